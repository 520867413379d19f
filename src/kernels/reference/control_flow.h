// Registration of the reference kernels of If, Loop, Scan and SequenceMap (control_flow.cpp).
#pragma once

namespace sinter::ir {

void register_reference_control_flow();

}  // namespace sinter::ir
