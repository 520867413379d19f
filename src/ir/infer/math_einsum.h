// Einsum equations: parsing and resolving labels (and the dims an ellipsis stands for) onto one
// index space, shared by Einsum's shape inference and its reference kernel.
#pragma once

#include <string>
#include <vector>

#include "sinter/shape.h"
#include "sinter/status.h"

namespace sinter::ir {

// Every dim of every operand mapped to an axis of one index space. Letters are axes; the dims an
// ellipsis covers become extra axes, right-aligned across operands (numpy broadcasting).
struct EinsumPlan {
  std::vector<std::vector<int>> in_axes;  // per input, per dim: axis id
  std::vector<int> out_axes;              // per output dim: axis id
  std::vector<Dim> sizes;                 // per axis id: its size (broadcast over the operands)
};

// Resolves `equation` ("ij,jk->ik", "...ii->...i", "ij,jk" with an implicit output) against the
// operands' shapes (ranks must be known). Errors name the equation.
Result<EinsumPlan> einsum_plan(const std::string& equation, const std::vector<Shape>& shapes);

// The output shape (unknown rank when an operand's rank is unknown).
Result<Shape> einsum_output_shape(const std::string& equation, const std::vector<Shape>& shapes);

}  // namespace sinter::ir
