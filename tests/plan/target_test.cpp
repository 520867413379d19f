// Target descriptions and the compatibility check that locks a plan to its machine.
#include <gtest/gtest.h>

#include "sinter/plan.h"

namespace sinter {
namespace {

Target h200() {
  return {"cuda", Precision::kFp16, "NVIDIA H200", 9, 0, "12.8", "13.1.0", "9.10.0"};
}

TEST(Target, DescribesItself) {
  EXPECT_EQ(Target{}.to_string(), "cpu");
  EXPECT_EQ(h200().to_string(), "cuda sm_90 (NVIDIA H200, CUDA 12.8, cuBLAS 13.1.0, cuDNN 9.10.0)");
  Target t = h200();
  t.cudnn.clear();
  EXPECT_EQ(t.to_string(), "cuda sm_90 (NVIDIA H200, CUDA 12.8, cuBLAS 13.1.0)");
}

TEST(Target, PrecisionNamesRoundTrip) {
  for (Precision p : {Precision::kFp32, Precision::kFp16, Precision::kBf16})
    EXPECT_EQ(precision_from_name(precision_name(p)), p);
  EXPECT_FALSE(precision_from_name("fp64").has_value());
}

TEST(Target, SameMachineIsCompatible) {
  EXPECT_TRUE(check_target_compatible(Target{}, Target{}).ok());
  EXPECT_TRUE(check_target_compatible(h200(), h200()).ok());
  // Precision belongs to the plan; another GPU of the same architecture and libraries runs it.
  Target other = h200();
  other.precision = Precision::kFp32;
  other.gpu_name = "NVIDIA H100 80GB HBM3";
  EXPECT_TRUE(check_target_compatible(h200(), other).ok());
  // A plan that does not use cuDNN does not care which cuDNN the machine has.
  Target no_cudnn = h200();
  no_cudnn.cudnn.clear();
  other.cudnn = "8.9.7";
  EXPECT_TRUE(check_target_compatible(no_cudnn, other).ok());
}

TEST(Target, MismatchNamesBothSidesInOneLine) {
  Target ada = h200();
  ada.sm_minor = 9;
  ada.sm_major = 8;
  ada.gpu_name = "NVIDIA L4";
  Status s = check_target_compatible(h200(), ada);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(s.message(),
            "plan was built for cuda sm_90 (NVIDIA H200, CUDA 12.8, cuBLAS 13.1.0, cuDNN 9.10.0) but this machine has "
            "cuda sm_89 (NVIDIA L4, CUDA 12.8, cuBLAS 13.1.0, cuDNN 9.10.0) (compute capability differs); rebuild the "
            "plan here");

  struct Case {
    void (*change)(Target&);
    const char* what;
  };
  for (const Case& c :
       {Case{[](Target& t) { t.cuda_runtime = "12.6"; }, "CUDA runtime"},
        Case{[](Target& t) { t.cublas = "12.9.1"; }, "cuBLAS"}, Case{[](Target& t) { t.cudnn = "9.1.0"; }, "cuDNN"},
        Case{[](Target& t) { t = Target{}; }, "backend"}}) {
    Target machine = h200();
    c.change(machine);
    Status m = check_target_compatible(h200(), machine);
    ASSERT_FALSE(m.ok()) << c.what;
    EXPECT_NE(m.message().find(std::string("(") + c.what + " differs)"), std::string::npos) << m.message();
    EXPECT_EQ(m.message().find('\n'), std::string::npos);
  }
  EXPECT_FALSE(check_target_compatible(Target{}, h200()).ok());
}

}  // namespace
}  // namespace sinter
