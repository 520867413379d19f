// Channels-last layout for the convolutional parts of a reduced-precision plan.
//
// cuDNN's tensor-core convolutions want NHWC; in NCHW they transpose internally on every call. This pass
// runs a region of the graph in NHWC: every 2-D Conv whose weight is a constant, plus the Relu and
// same-shape Add nodes fed only by the region. Values produced inside the region get physical NHWC dims
// ([N,H,W,C]); a Transpose (perm 0,2,3,1) is inserted where an outside value enters the region and one
// (perm 0,3,1,2) where a region value leaves it (other ops, graph outputs). Conv nodes in the region get
// the attribute "sinter.layout" = "NHWC", which the cuDNN tactic reads. Node order is re-sorted.
#pragma once

#include "ir/graph.h"
#include "sinter/status.h"

namespace sinter::runtime::cuda {

// Returns the number of Conv nodes moved to NHWC.
Result<int> convert_to_channels_last(ir::Graph& graph);

}  // namespace sinter::runtime::cuda
