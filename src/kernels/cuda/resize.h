// The resize tactic family: Resize in nearest (four rounding modes) and N-D linear modes with every
// coordinate transformation (tf_crop_and_resize too, for floats). Cubic and antialias are refused.
#pragma once

namespace sinter::cuda {

void register_cuda_resize();

}  // namespace sinter::cuda
