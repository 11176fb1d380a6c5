// Helpers of the evaluation workbench's values.
#include "app/gui/evaluation_types.h"

#include <QCoreApplication>

#include <limits>

namespace nac::app {

QString setRoleText(SetRole role)
{
    return role == SetRole::InD ? QCoreApplication::translate("nac::app", "InD") : QCoreApplication::translate("nac::app", "OOD");
}

QString evalMethodText(EvalMethod method)
{
    switch (method) {
    case EvalMethod::NacUe:
        return QStringLiteral("NAC-UE");
    case EvalMethod::Msp:
        return QStringLiteral("MSP");
    case EvalMethod::MaxLogit:
        return QStringLiteral("MaxLogit");
    case EvalMethod::Energy:
        return QStringLiteral("Energy");
    }
    return QString();
}

const std::vector<double>* EvaluatedSet::scores(EvalMethod method) const
{
    if (method == EvalMethod::NacUe)
        return &nacScores;
    static const std::vector<double> kNone;
    if (!images)
        return &kNone;
    switch (method) {
    case EvalMethod::Msp:
        return &images->baselines.msp;
    case EvalMethod::MaxLogit:
        return &images->baselines.maxLogit;
    case EvalMethod::Energy:
        return &images->baselines.energy;
    case EvalMethod::NacUe:
        break;
    }
    return &kNone;
}

std::vector<EvaluatedImage> EvaluationResults::images() const
{
    std::vector<EvaluatedImage> out;
    for (const EvaluatedSet& set : sets) {
        if (!set.images)
            continue;
        const std::size_t count = set.imageCount();
        for (std::size_t i = 0; i < count; ++i) {
            EvaluatedImage image;
            image.source = set.images->sources[qsizetype(i)];
            image.setName = set.name;
            image.role = set.role;
            image.score = i < set.nacScores.size() ? set.nacScores[i] : std::numeric_limits<double>::quiet_NaN();
            image.predictedClass = i < set.images->predicted.size() ? set.images->predicted[i] : -1;
            image.label = i < set.images->labels.size() ? set.images->labels[i] : -1;
            out.push_back(std::move(image));
        }
    }
    return out;
}

void registerEvaluationMetaTypes()
{
    qRegisterMetaType<SetRole>();
    qRegisterMetaType<EvaluationSetRequest>();
    qRegisterMetaType<QList<EvaluationSetRequest>>();
    qRegisterMetaType<std::shared_ptr<const EvaluationResults>>();
}

int EvaluationResults::setIndex(const QString& name) const
{
    for (std::size_t s = 0; s < sets.size(); ++s)
        if (sets[s].name == name)
            return int(s);
    return -1;
}

}  // namespace nac::app
