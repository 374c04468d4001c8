#pragma once
#include <torch/types.h>

#include <string>
#include <utility>
#include <vector>

#include "oml/models/unpickler.h"

// PyTorch's torch.save file formats, read and written without Python.
namespace oml {

// Reads a torch.save file: the zip format (PyTorch >= 1.6) or the legacy stream format
// (`_use_new_zipfile_serialization=False`), returning the unpickled top-level object with tensors
// materialised. Code in the file is never executed (see unpickler.h). Throws InputError naming the
// file for truncated/corrupt files, TorchScript archives and anything that is not a torch.save file.
PickleValue read_torch_file(const std::string& path);

// Keys and tensors in stored order.
using NamedTensors = std::vector<std::pair<std::string, torch::Tensor>>;

// Writes `tensors` as torch.save would write an OrderedDict of them (zip format, pickle protocol 2),
// atomically. Python's torch.load (1.13 and later) reads it back with the same keys, order, dtypes
// and values. Tensors are written contiguous, each with its own storage, from CPU.
void write_torch_file(const std::string& path, const NamedTensors& tensors);

}  // namespace oml
