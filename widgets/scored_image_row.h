// One dropped image as the score list shows it: thumbnail, prediction, NAC-UE score, per-layer scores, notice.
#pragma once

#include <QImage>
#include <QString>

#include <limits>
#include <vector>

namespace nac::widgets {

struct ScoredImageRow {
    QImage thumbnail;                  // any size; shown scaled to the row height
    QString name;                      // shown name, usually the file name
    QString source;                    // full path or other origin (tooltip, CSV)
    int sampleIndex = -1;              // index into the app's scored sample set; -1 when not scored
    int predictedClass = -1;           // -1 when not scored
    QString predictedLabel;            // class name; empty shows "class N"
    double probability = std::numeric_limits<double>::quiet_NaN();  // softmax of the predicted class, 0..1
    double score = std::numeric_limits<double>::quiet_NaN();        // NAC-UE, 0..1, higher = more in-distribution
    std::vector<double> layerScores;   // per tapped layer, 0..1, in the profile's layer order
    QString notice;                    // "converted to grayscale", "not an image: ..." (empty: none)
    bool failed = false;               // the image could not be scored; notice says why
    bool countsAsInd = false;          // the ROC tab counts it on the InD side (the user's choice), else as OOD
};

}  // namespace nac::widgets
