// The reduce tactic family: ReduceSum/Mean/Max/Min/Prod/L2, ArgMax and TopK.
#pragma once

namespace sinter::cuda {

void register_cuda_reduce();
void register_reduce_ops();     // reduce_ops.cu: Reduce*
void register_reduce_argmax();  // reduce_argmax.cu: ArgMax
void register_reduce_topk();    // reduce_topk.cu: TopK

}  // namespace sinter::cuda
