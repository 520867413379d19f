#!/usr/bin/env python3
"""Writes the ONNX backend *node* test suite of the installed onnx package to a folder.

The installed onnx package keeps its node test cases as Python code (onnx.backend.test.case.node); its
`cmd_tools generate-data` command writes only the model cases. This script collects the node cases and
writes them in the suite's usual layout: <out>/node/<case>/model.onnx and test_data_set_N/{input,output}_K.pb.

usage: gen_node_suite.py OUT_DIR
"""
import os
import sys
import warnings

import onnx
from onnx import numpy_helper
from onnx.backend.test.case import node as node_cases


def proto_for(value, value_info):
    """Serializes one input/output value the way the suite stores it."""
    t = value_info.type
    if t.HasField("sequence_type"):
        return numpy_helper.from_list(value, value_info.name)
    if t.HasField("optional_type"):
        return numpy_helper.from_optional(value, value_info.name)
    if t.HasField("map_type"):
        return numpy_helper.from_dict(value, value_info.name)
    if isinstance(value, onnx.TensorProto):
        return value
    return numpy_helper.from_array(value, value_info.name)


def main():
    out = os.path.join(sys.argv[1], "node")
    os.makedirs(out, exist_ok=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        cases = node_cases.collect_testcases()
    written = 0
    for case in cases:
        case_dir = os.path.join(out, case.name)
        os.makedirs(case_dir, exist_ok=True)
        with open(os.path.join(case_dir, "model.onnx"), "wb") as f:
            f.write(case.model.SerializeToString())
        graph = case.model.graph
        for i, (inputs, outputs) in enumerate(case.data_sets):
            ds = os.path.join(case_dir, f"test_data_set_{i}")
            os.makedirs(ds, exist_ok=True)
            for j, v in enumerate(inputs):
                with open(os.path.join(ds, f"input_{j}.pb"), "wb") as f:
                    f.write(proto_for(v, graph.input[j]).SerializeToString())
            for j, v in enumerate(outputs):
                with open(os.path.join(ds, f"output_{j}.pb"), "wb") as f:
                    f.write(proto_for(v, graph.output[j]).SerializeToString())
        written += 1
    print(f"gen_node_suite: wrote {written} node cases (onnx {onnx.__version__}) to {out}")


if __name__ == "__main__":
    main()
