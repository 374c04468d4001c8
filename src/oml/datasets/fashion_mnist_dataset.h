#pragma once
#include <string>

#include "oml/datasets/dataset_output.h"

namespace oml::datasets {

struct FashionMnistOptions {
  std::string out_dir;
  std::string source_dir = "/usr/share/datasets/fashion-mnist";  // Debian's dataset-fashion-mnist
  int limit_per_class = 0;  // keep the first N images of each class per split (0 = all)
};

// Fashion-MNIST's ten class names, by label.
const char* fashion_mnist_class_name(int label);
// Coarser group used as the category column: tops, bottoms, dresses, footwear, bags.
const char* fashion_mnist_category(int label);

// Converts the IDX files to out_dir/{train,test}/<label>/<index>.png and out_dir/df.csv: the
// training set is the train split; the test set is validation, the even-numbered images of each
// class (in file order) queries and the odd-numbered galleries.
DatasetSummary build_fashion_mnist_dataset(const FashionMnistOptions& options);

}  // namespace oml::datasets
