// Einsum equations (see math_einsum.h).
#include "ir/infer/math_einsum.h"

#include <algorithm>
#include <cctype>
#include <map>

namespace sinter::ir {

namespace {

// One side of the equation: its letters in order, with -1 standing for the ellipsis.
struct Term {
  std::vector<int> labels;
  bool has_ellipsis = false;
};

constexpr int kEllipsis = -1;

Result<Term> parse_term(const std::string& s, const std::string& eq) {
  Term t;
  for (size_t i = 0; i < s.size(); ++i) {
    const char c = s[i];
    if (c == ' ') continue;
    if (c == '.') {
      if (s.compare(i, 3, "...") != 0 || t.has_ellipsis)
        return invalid_argument("Einsum equation '" + eq + "' has a malformed ellipsis");
      t.has_ellipsis = true;
      t.labels.push_back(kEllipsis);
      i += 2;
      continue;
    }
    if (!std::isalpha(static_cast<unsigned char>(c)))
      return invalid_argument("Einsum equation '" + eq + "' has an invalid character '" + std::string(1, c) + "'");
    t.labels.push_back(c);
  }
  return t;
}

// Merges two sizes of one axis: equal, or one of them 1 (broadcast).
Result<Dim> merge_dim(const Dim& a, const Dim& b, const std::string& eq) {
  if (a == b) return a;
  if (a.is_static() && b.is_static()) {
    if (a.value == 1) return b;
    if (b.value == 1) return a;
    return invalid_argument("Einsum equation '" + eq + "': an index has sizes " + a.to_string() + " and " +
                            b.to_string());
  }
  if (a.is_static() && a.value == 1) return b;
  if (b.is_static() && b.value == 1) return a;
  if (a.is_static()) return a;
  if (b.is_static()) return b;
  return Dim::unknown();
}

}  // namespace

Result<EinsumPlan> einsum_plan(const std::string& equation, const std::vector<Shape>& shapes) {
  const std::string& eq = equation;
  std::string lhs = eq, rhs;
  const size_t arrow = eq.find("->");
  const bool explicit_out = arrow != std::string::npos;
  if (explicit_out) {
    lhs = eq.substr(0, arrow);
    rhs = eq.substr(arrow + 2);
  }
  std::vector<Term> terms;
  size_t start = 0;
  while (true) {
    const size_t comma = lhs.find(',', start);
    SINTER_ASSIGN_OR_RETURN(Term t, parse_term(lhs.substr(start, comma - start), eq));
    terms.push_back(std::move(t));
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  if (terms.size() != shapes.size())
    return invalid_argument("Einsum equation '" + eq + "' names " + std::to_string(terms.size()) +
                            " operands but the node has " + std::to_string(shapes.size()) + " inputs");

  // Ellipsis ranks: each operand's rank minus its letters.
  size_t ell_rank = 0;
  std::vector<size_t> op_ell(terms.size(), 0);
  for (size_t i = 0; i < terms.size(); ++i) {
    const size_t letters = terms[i].labels.size() - (terms[i].has_ellipsis ? 1 : 0);
    const size_t rank = shapes[i].rank();
    if (rank < letters || (!terms[i].has_ellipsis && rank != letters))
      return invalid_argument("Einsum equation '" + eq + "': operand " + std::to_string(i) + " has shape " +
                              shapes[i].to_string() + ", which does not fit its subscripts");
    op_ell[i] = rank - letters;
    ell_rank = std::max(ell_rank, op_ell[i]);
  }

  // Axis ids: ellipsis dims first (0 .. ell_rank-1), then letters in order of appearance.
  EinsumPlan plan;
  plan.sizes.assign(ell_rank, Dim(1));
  std::map<int, int> letter_axis;
  std::map<int, int> letter_count;
  plan.in_axes.resize(terms.size());
  for (size_t i = 0; i < terms.size(); ++i) {
    size_t d = 0;
    for (int label : terms[i].labels) {
      if (label == kEllipsis) {
        for (size_t k = 0; k < op_ell[i]; ++k, ++d) {
          const int axis = static_cast<int>(ell_rank - op_ell[i] + k);
          plan.in_axes[i].push_back(axis);
          SINTER_ASSIGN_OR_RETURN(plan.sizes[static_cast<size_t>(axis)],
                                  merge_dim(plan.sizes[static_cast<size_t>(axis)], shapes[i][d], eq));
        }
        continue;
      }
      auto it = letter_axis.find(label);
      if (it == letter_axis.end()) {
        it = letter_axis.emplace(label, static_cast<int>(plan.sizes.size())).first;
        plan.sizes.push_back(shapes[i][d]);
      } else {
        SINTER_ASSIGN_OR_RETURN(plan.sizes[static_cast<size_t>(it->second)],
                                merge_dim(plan.sizes[static_cast<size_t>(it->second)], shapes[i][d], eq));
      }
      ++letter_count[label];
      plan.in_axes[i].push_back(it->second);
      ++d;
    }
  }

  if (explicit_out) {
    SINTER_ASSIGN_OR_RETURN(Term out, parse_term(rhs, eq));
    std::vector<int> seen;
    for (int label : out.labels) {
      if (label == kEllipsis) {
        for (size_t k = 0; k < ell_rank; ++k) plan.out_axes.push_back(static_cast<int>(k));
        continue;
      }
      auto it = letter_axis.find(label);
      if (it == letter_axis.end())
        return invalid_argument("Einsum equation '" + eq + "': output index '" + std::string(1, char(label)) +
                                "' appears in no input");
      if (std::find(seen.begin(), seen.end(), label) != seen.end())
        return invalid_argument("Einsum equation '" + eq + "' repeats an output index");
      seen.push_back(label);
      plan.out_axes.push_back(it->second);
    }
  } else {
    // Implicit output: the ellipsis dims, then letters used exactly once, in character order.
    for (size_t k = 0; k < ell_rank; ++k) plan.out_axes.push_back(static_cast<int>(k));
    for (const auto& [label, count] : letter_count)
      if (count == 1) plan.out_axes.push_back(letter_axis[label]);
  }
  return plan;
}

Result<Shape> einsum_output_shape(const std::string& equation, const std::vector<Shape>& shapes) {
  for (const Shape& s : shapes)
    if (!s.rank_known()) return Shape::unknown_rank();
  SINTER_ASSIGN_OR_RETURN(EinsumPlan plan, einsum_plan(equation, shapes));
  std::vector<Dim> dims;
  for (int a : plan.out_axes) dims.push_back(plan.sizes[static_cast<size_t>(a)]);
  return Shape(std::move(dims));
}

}  // namespace sinter::ir
