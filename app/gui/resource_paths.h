// Where nac-studio finds its demo model, demo data and sample images (source tree, install tree, env).
#pragma once

#include <QString>

namespace nac::app {

class ResourcePaths {
public:
    // The demo folder: $NAC_DEMO_DIR, else <prefix>/share/nac-studio/demo for an executable in
    // <prefix>/bin, else resources/demo of the source tree beside the build tree the executable
    // is in (found through a relative path). Empty when none exists.
    static QString demoDir();
    // demoDir()/fashion_resnet18.pt when it exists, else empty.
    static QString demoModel();
    // The Fashion-MNIST training images ($NAC_DEMO_DATA overrides); empty when missing.
    static QString demoData();
    // resources/samples (or the installed copy); empty when missing.
    static QString samplesDir();
    // The path the demo model is expected at, for messages when it is missing.
    static QString expectedDemoModel();
};

}  // namespace nac::app
