// Opening the data sets a user names: IDX files, image folders, image files and synthetic noise.
#pragma once

#include "engine/dataset.h"

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace nac::engine {

// Opens what a user typed after --data / --id / --ood:
//  * an IDX images file (idx3 gray [N,H,W] or idx4 colour [N,H,W,C], unsigned bytes, optionally
//    .gz); labels are found beside it by the Fashion-MNIST naming ("-images-idx3-ubyte" ->
//    "-labels-idx1-ubyte", with or without .gz),
//  * a folder of images (PNG, JPEG, BMP, WebP); class = first-level subfolder, sorted by name;
//    files directly in the folder have label -1,
//  * a single image file,
//  * "noise:gaussian:N[:seed=S]" or "noise:uniform:N[:seed=S]": N deterministic synthetic images,
//  * any of these with a range suffix "@FIRST-LAST" (inclusive, e.g. train.idx.gz@55000-59999),
//  * any of these behind "invert:", "rot90:" or "rot180:" (covariate-shift sets).
// Throws Error(BadInput) naming the path and the problem (missing, empty folder, bad magic number,
// size that does not match the header, labels count mismatch, unknown spec).
std::unique_ptr<Dataset> openDataset(const std::string& spec);

// A data set made of the given image files, in the given order (drag-and-drop, `nac score` on files).
// Files are checked when loaded, not here, so a corrupt file among good ones can be skipped.
std::unique_ptr<Dataset> openImageFiles(const std::vector<std::string>& paths);

// The reference's fitting subset (SPEC §3): floor(count / classes) images per class, each class's
// indices taken in data-set order, shuffled with a generator seeded by seed, and the first k kept;
// the result is sorted by class, then by the shuffled order. Without labels: a seeded shuffle of
// all indices, first count kept, returned in ascending order. count >= size() returns every index
// in order.
// exclude lists indices that must not be chosen (a held-out split).
std::vector<std::size_t> classBalancedSubset(const Dataset& dataset, std::size_t count, std::uint32_t seed,
                                             const std::vector<std::size_t>& exclude = {});

}  // namespace nac::engine

namespace nac::engine {

// Makes an image folder's labels mean the model's classes. A folder's labels follow its sorted
// subfolder names; a model's metadata may name its classes in another order (or the folders may
// be digits, where "10" sorts before "2"). When every subfolder matches one of modelClasses
// (exactly, or ignoring case, spaces and punctuation: "t-shirt_top" is "T-shirt/top"), or, when
// they do not, every subfolder is a class number below modelClassCount, the returned data set
// labels each image with the model's class index. Otherwise labels stay in folder order and a
// note says so. Data sets without class folders are returned as they are. notes receives one line
// per decision the user should know of.
std::unique_ptr<Dataset> alignLabelsToModel(std::unique_ptr<Dataset> dataset, const std::vector<std::string>& modelClasses,
                                            int modelClassCount, std::vector<std::string>& notes);

}  // namespace nac::engine
