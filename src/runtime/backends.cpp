#include "runtime/backend.h"

// The cuda backend (runtime/cuda_backend.cpp) is compiled in builds with the CUDA engine; others report
// it as missing with one line.
#if defined(SINTER_WITH_CUDA) && __has_include("runtime/cuda/cuda_engine.h")
#define SINTER_CUDA_BACKEND_AVAILABLE 1
#endif

namespace sinter::runtime {

#if defined(SINTER_CUDA_BACKEND_AVAILABLE)
const Backend& cuda_backend();  // runtime/cuda_backend.cpp
#endif

Result<const Backend*> find_backend(std::string_view name) {
  if (name == "cpu") return &cpu_backend();
  if (name == "cuda") {
#if defined(SINTER_CUDA_BACKEND_AVAILABLE)
    return &cuda_backend();
#elif defined(SINTER_WITH_CUDA)
    return failed_precondition("the CUDA backend is not available in this build of sinter yet");
#else
    return failed_precondition(
        "this sinter was built without the CUDA backend (configure with -DSINTER_CUDA=ON where the CUDA "
        "toolkit is installed)");
#endif
  }
  return invalid_argument("unknown device '" + std::string(name) + "' (expected cpu or cuda)");
}

std::vector<std::string> available_backends() {
  std::vector<std::string> out = {"cpu"};
#if defined(SINTER_CUDA_BACKEND_AVAILABLE)
  out.push_back("cuda");
#endif
  return out;
}

}  // namespace sinter::runtime
