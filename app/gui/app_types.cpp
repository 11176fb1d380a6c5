// Helpers of the app's value types and their registration with Qt's meta-type system.
#include "app/gui/app_types.h"
#include "app/gui/image_explainer.h"

#include "app/gui/nac_me_job.h"

#include <QCoreApplication>

namespace nac::app {

QString jobKindText(JobKind kind)
{
    switch (kind) {
    case JobKind::LoadModel:
        return QCoreApplication::translate("nac::app", "loading the model");
    case JobKind::OpenDataset:
        return QCoreApplication::translate("nac::app", "opening the data set");
    case JobKind::Fit:
        return QCoreApplication::translate("nac::app", "fitting");
    case JobKind::ScoreImages:
        return QCoreApplication::translate("nac::app", "scoring images");
    case JobKind::SaveProfile:
        return QCoreApplication::translate("nac::app", "saving the profile");
    case JobKind::LoadProfile:
        return QCoreApplication::translate("nac::app", "loading the profile");
    case JobKind::EvaluateSets:
        return QCoreApplication::translate("nac::app", "evaluating sets");
    case JobKind::NacMe:
        return QCoreApplication::translate("nac::app", "computing NAC-ME");
    }
    return QString();
}

nac::engine::LayerParams ModelInfo::defaultsFor(const QString& layer) const
{
    for (int i = 0; i < defaultLayers.size(); ++i) {
        if (defaultLayers[i] == layer && std::size_t(i) < defaultParams.size())
            return defaultParams[std::size_t(i)];
    }
    return nac::engine::LayerParams{};
}

QString ModelInfo::inputText() const
{
    return QStringLiteral("%1x%2x%3").arg(input.channels).arg(input.height).arg(input.width);
}

QStringList ProfileSnapshot::layerNames() const
{
    QStringList names;
    for (const LayerSnapshot& layer : layers)
        names.append(QString::fromStdString(layer.info.name));
    return names;
}

std::vector<nac::engine::LayerParams> ProfileSnapshot::params() const
{
    std::vector<nac::engine::LayerParams> all;
    all.reserve(layers.size());
    for (const LayerSnapshot& layer : layers)
        all.push_back(layer.coverage.params);
    return all;
}

void registerMetaTypes()
{
    qRegisterMetaType<JobResult>();
    qRegisterMetaType<JobProgress>();
    qRegisterMetaType<FitRequest>();
    qRegisterMetaType<std::shared_ptr<const ModelInfo>>();
    qRegisterMetaType<std::shared_ptr<const DatasetInfo>>();
    qRegisterMetaType<std::shared_ptr<const ProfileSnapshot>>();
    qRegisterMetaType<std::shared_ptr<const ScoredImages>>();
    qRegisterMetaType<std::shared_ptr<const DroppedScores>>();
    qRegisterMetaType<nac::engine::CancelToken>();
    qRegisterMetaType<std::vector<nac::engine::LayerParams>>();
    qRegisterMetaType<ExplainRequest>();
    qRegisterMetaType<std::shared_ptr<const ImageExplanation>>();
    qRegisterMetaType<NacMeRequest>();
    qRegisterMetaType<std::shared_ptr<const NacMeSeries>>();
}

}  // namespace nac::app
