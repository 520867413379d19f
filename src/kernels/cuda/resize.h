// The resize tactic family: Resize in nearest (four rounding modes) and N-D linear modes with every
// coordinate transformation (tf_crop_and_resize too, for floats) in resize.cu; cubic and antialiased
// linear/cubic in resize_filter.cu.
#pragma once

namespace sinter::cuda {

void register_cuda_resize();
void register_resize_filter();  // resize_filter.cu: cubic and antialias

}  // namespace sinter::cuda
