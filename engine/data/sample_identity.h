// Opening one image again from its Dataset::sampleIdentity (a profile stores the identities of its
// fit images; the app shows the nearest ones as thumbnails).
#pragma once

#include "engine/dataset.h"

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

}  // namespace nac::engine
