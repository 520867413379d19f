#include "llm/tokenizer_bpe.h"

#include <cstdio>
#include <nlohmann/json.hpp>
#include <queue>

#include "llm/unicode.h"

namespace sinter::llm {

using nlohmann::json;

namespace {

Result<std::pair<std::string, std::string>> parse_merge(const json& m, size_t index) {
  const std::string where = "model.merges[" + std::to_string(index) + "]";
  if (m.is_string()) {
    // The older form "a b": tokens never contain a plain space in byte-level or SentencePiece vocabularies.
    const auto& s = m.get_ref<const std::string&>();
    size_t space = s.find(' ');
    if (space == std::string::npos || s.find(' ', space + 1) != std::string::npos) {
      return invalid_argument(where + ": expected two tokens separated by one space, got '" + s + "'");
    }
    return std::make_pair(s.substr(0, space), s.substr(space + 1));
  }
  if (m.is_array() && m.size() == 2 && m[0].is_string() && m[1].is_string()) {
    return std::make_pair(m[0].get<std::string>(), m[1].get<std::string>());
  }
  return invalid_argument(where + ": expected \"a b\" or [\"a\", \"b\"]");
}

Result<std::optional<std::string>> optional_string(const json& model, const char* key) {
  auto it = model.find(key);
  if (it == model.end() || it->is_null()) return std::optional<std::string>();
  if (!it->is_string()) return invalid_argument(std::string("model.") + key + ": expected a string or null");
  return std::optional<std::string>(it->get<std::string>());
}

Result<bool> optional_bool(const json& model, const char* key) {
  auto it = model.find(key);
  if (it == model.end() || it->is_null()) return false;
  if (!it->is_boolean()) return invalid_argument(std::string("model.") + key + ": expected true or false");
  return it->get<bool>();
}

}  // namespace

Result<BpeModel> BpeModel::from_json(const json& model) {
  BpeModel bpe;
  auto dropout = model.find("dropout");
  if (dropout != model.end() && !dropout->is_null()) {
    return unimplemented("model.dropout: BPE dropout (random merges) is not supported for inference");
  }
  SINTER_ASSIGN_OR_RETURN(auto suffix, optional_string(model, "end_of_word_suffix"));
  if (suffix && !suffix->empty()) return unimplemented("model.end_of_word_suffix: not supported");
  SINTER_ASSIGN_OR_RETURN(auto prefix, optional_string(model, "continuing_subword_prefix"));
  if (prefix) bpe.continuing_subword_prefix_ = *prefix;
  SINTER_ASSIGN_OR_RETURN(bpe.fuse_unk_, optional_bool(model, "fuse_unk"));
  SINTER_ASSIGN_OR_RETURN(bpe.byte_fallback_, optional_bool(model, "byte_fallback"));
  SINTER_ASSIGN_OR_RETURN(bpe.ignore_merges_, optional_bool(model, "ignore_merges"));

  auto vocab = model.find("vocab");
  if (vocab == model.end() || !vocab->is_object()) return invalid_argument("model.vocab: expected an object");
  for (const auto& [token, id] : vocab->items()) {
    if (!id.is_number_integer() || id.get<int64_t>() < 0 || id.get<int64_t>() > (1 << 30)) {
      return invalid_argument("model.vocab['" + token + "']: expected a non-negative integer id");
    }
    auto i = id.get<int32_t>();
    bpe.vocab_[token] = i;
    if (static_cast<size_t>(i) >= bpe.id_to_token_.size()) {
      bpe.id_to_token_.resize(i + 1);
      bpe.id_present_.resize(i + 1, false);
    }
    bpe.id_to_token_[i] = token;
    bpe.id_present_[i] = true;
  }

  SINTER_ASSIGN_OR_RETURN(auto unk, optional_string(model, "unk_token"));
  if (unk) {
    auto it = bpe.vocab_.find(*unk);
    if (it == bpe.vocab_.end()) return invalid_argument("model.unk_token: '" + *unk + "' is not in model.vocab");
    bpe.unk_id_ = it->second;
  }

  for (int b = 0; b < 256; ++b) {
    char name[8];
    std::snprintf(name, sizeof(name), "<0x%02X>", b);
    auto it = bpe.vocab_.find(name);
    bpe.byte_ids_[b] = it == bpe.vocab_.end() ? -1 : it->second;
  }

  auto merges = model.find("merges");
  if (merges == model.end() || !merges->is_array()) return invalid_argument("model.merges: expected an array");
  const size_t prefix_len = bpe.continuing_subword_prefix_.size();
  for (size_t i = 0; i < merges->size(); ++i) {
    SINTER_ASSIGN_OR_RETURN(auto pair, parse_merge((*merges)[i], i));
    auto a = bpe.vocab_.find(pair.first);
    auto b = bpe.vocab_.find(pair.second);
    std::string merged = pair.first;
    if (prefix_len && pair.second.compare(0, prefix_len, bpe.continuing_subword_prefix_) == 0) {
      merged += pair.second.substr(prefix_len);
    } else {
      merged += pair.second;
    }
    auto c = bpe.vocab_.find(merged);
    if (a == bpe.vocab_.end() || b == bpe.vocab_.end() || c == bpe.vocab_.end()) {
      return invalid_argument("model.merges[" + std::to_string(i) + "]: '" + pair.first + "' + '" + pair.second +
                              "' uses a token that is not in model.vocab");
    }
    // A repeated pair keeps its last rank, as the reference implementation's map does.
    bpe.merges_[pair_key(a->second, b->second)] = Merge{static_cast<int32_t>(i), c->second};
  }
  return bpe;
}

std::optional<int32_t> BpeModel::token_to_id(std::string_view token) const {
  auto it = vocab_.find(std::string(token));
  if (it == vocab_.end()) return std::nullopt;
  return it->second;
}

const std::string* BpeModel::id_to_token(int32_t id) const {
  if (id < 0 || static_cast<size_t>(id) >= id_to_token_.size() || !id_present_[id]) return nullptr;
  return &id_to_token_[id];
}

void BpeModel::tokenize(std::string_view word, std::vector<int32_t>& out) const {
  if (word.empty()) return;
  if (ignore_merges_) {
    auto it = vocab_.find(std::string(word));
    if (it != vocab_.end()) {
      out.push_back(it->second);
      return;
    }
  }
  // One symbol per character; characters outside the vocabulary become byte tokens or (fused) unknowns.
  std::vector<int32_t> symbols;
  symbols.reserve(word.size());
  bool pending_unk = false;
  auto flush_unk = [&] {
    if (pending_unk) symbols.push_back(*unk_id_);
    pending_unk = false;
  };
  std::string key;
  for (size_t pos = 0; pos < word.size();) {
    size_t start = pos;
    next_code_point(word, pos);
    key.clear();
    if (start > 0) key = continuing_subword_prefix_;
    key.append(word.substr(start, pos - start));
    auto it = vocab_.find(key);
    if (it != vocab_.end()) {
      flush_unk();
      symbols.push_back(it->second);
      continue;
    }
    if (byte_fallback_) {
      bool all_bytes = true;
      for (char c : key) all_bytes = all_bytes && byte_ids_[static_cast<uint8_t>(c)] >= 0;
      if (all_bytes) {
        // Unlike a vocabulary hit, byte tokens leave a pending unknown pending (the reference does the same).
        for (char c : key) symbols.push_back(byte_ids_[static_cast<uint8_t>(c)]);
        continue;
      }
    }
    if (!unk_id_) continue;  // no unknown token: the character is dropped
    if (pending_unk && !fuse_unk_) symbols.push_back(*unk_id_);
    pending_unk = true;
  }
  flush_unk();
  merge_symbols(symbols);
  out.insert(out.end(), symbols.begin(), symbols.end());
}

void BpeModel::merge_symbols(std::vector<int32_t>& ids) const {
  if (ids.size() < 2 || merges_.empty()) return;
  const int n = static_cast<int>(ids.size());
  std::vector<int> prev(n), next(n);
  std::vector<bool> alive(n, true);
  for (int i = 0; i < n; ++i) {
    prev[i] = i - 1;
    next[i] = i + 1 < n ? i + 1 : -1;
  }
  struct Candidate {
    int32_t rank;
    int pos;
    int32_t new_id;
    bool operator>(const Candidate& o) const { return rank != o.rank ? rank > o.rank : pos > o.pos; }
  };
  std::priority_queue<Candidate, std::vector<Candidate>, std::greater<>> queue;
  auto push_pair = [&](int left) {
    int right = next[left];
    if (right < 0) return;
    auto it = merges_.find(pair_key(ids[left], ids[right]));
    if (it != merges_.end()) queue.push({it->second.rank, left, it->second.new_id});
  };
  for (int i = 0; i + 1 < n; ++i) push_pair(i);
  while (!queue.empty()) {
    Candidate top = queue.top();
    queue.pop();
    if (!alive[top.pos] || next[top.pos] < 0) continue;
    int right = next[top.pos];
    // Entries go stale when a neighbour merged since they were queued.
    auto it = merges_.find(pair_key(ids[top.pos], ids[right]));
    if (it == merges_.end() || it->second.new_id != top.new_id) continue;
    ids[top.pos] = top.new_id;
    alive[right] = false;
    next[top.pos] = next[right];
    if (next[right] >= 0) prev[next[right]] = top.pos;
    if (prev[top.pos] >= 0) push_pair(prev[top.pos]);
    push_pair(top.pos);
  }
  size_t w = 0;
  for (int i = 0; i < n; ++i) {
    if (alive[i]) ids[w++] = ids[i];
  }
  ids.resize(w);
}

}  // namespace sinter::llm
