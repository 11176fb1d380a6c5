// Opening one image again from its Dataset::sampleIdentity (a profile stores the identities of its
// fit images; the app shows the nearest ones as thumbnails).
#pragma once

#include "engine/dataset.h"

#include <cstddef>
#include <memory>
#include <string>

namespace nac::engine {

// A data set holding exactly the image an identity names:
//  * "PATH#INDEX"              image INDEX of an IDX file,
//  * "noise:KIND:seed=S#INDEX" image INDEX of a noise set,
//  * "PATH"                    an image file,
//  * any of these behind "invert:", "rot90:" or "rot180:".
// Throws Error(BadInput) naming the identity when it is empty, malformed or the file is gone.
std::unique_ptr<Dataset> openSampleIdentity(const std::string& identity);

// When identity is "BASE#INDEX" and BASE is a data spec openDataset() opens whole (a file,
// possibly behind transforms; not a noise set, whose identity names a seed), sets base and index
// and returns true: callers reading many images of one file open BASE once instead of calling
// openSampleIdentity per image. False for anything else (openSampleIdentity still opens it).
bool splitFileIdentity(const std::string& identity, std::string& base, std::size_t& index);

}  // namespace nac::engine
