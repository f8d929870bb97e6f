"""Writes a protoset (a serialized google.protobuf.FileDescriptorSet) of one Flyte connector service, taken from the
official IDL package installed in this virtual environment (flyteidl2 for Flyte 2, flyteidl for Flyte 1).

    python protoset.py <output file> <module of the service, e.g. flyteidl2.connector.service_pb2>

The benchmark's load generator (ghz) and its request builder read the same file, so every message is encoded from
the IDL the peers themselves use.
"""

import importlib
import sys

from google.protobuf import descriptor_pb2


def closure(file_descriptor, seen, ordered):
    if file_descriptor.name in seen:
        return
    seen.add(file_descriptor.name)
    for dependency in file_descriptor.dependencies:
        closure(dependency, seen, ordered)
    ordered.append(file_descriptor)


def main(output_path: str, module_name: str) -> None:
    module = importlib.import_module(module_name)
    ordered = []
    closure(module.DESCRIPTOR, set(), ordered)
    file_set = descriptor_pb2.FileDescriptorSet()
    for file_descriptor in ordered:
        file_descriptor.CopyToProto(file_set.file.add())
    with open(output_path, "wb") as output:
        output.write(file_set.SerializeToString())


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
