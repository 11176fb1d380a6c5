// Parameter panel: spin boxes with log-scale sliders; changes leave at once by paramsChanged().
#include "widgets/parameter_panel.h"

#include "widgets/nac_terms.h"

#include <QComboBox>
#include <QDateTime>
#include <QDoubleSpinBox>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QLocale>
#include <QPushButton>
#include <QRegularExpression>
#include <QSignalBlocker>
#include <QSlider>
#include <QSpinBox>

#include <algorithm>
#include <cmath>

namespace nac::widgets {
namespace {

using nac::engine::BinScheme;
using nac::engine::LayerParams;

constexpr double kMinActivatedSpinMin = 0.01;
constexpr double kMinActivatedSpinMax = 1e6;
constexpr double kAlphaSpinMin = 1e-6;
constexpr double kAlphaSpinMax = 1e7;
constexpr int kSpinDecimals = 6;  // QDoubleSpinBox rounds to this; alpha goes down to 1e-6

double roundToSignificant(double value, int digits)
{
    if (!(value > 0.0) || !std::isfinite(value))
        return value;
    return QString::number(value, 'g', digits).toDouble();
}

double logSliderValue(int position, double low, double high)
{
    const double fraction = double(std::clamp(position, 0, ParameterPanel::kSliderSteps)) / ParameterPanel::kSliderSteps;
    const double exponent = std::log10(low) + fraction * (std::log10(high) - std::log10(low));
    return roundToSignificant(std::pow(10.0, exponent), 2);
}

int logSliderPosition(double value, double low, double high)
{
    if (!(value > 0.0))
        return 0;
    const double fraction = (std::log10(value) - std::log10(low)) / (std::log10(high) - std::log10(low));
    return std::clamp(int(std::lround(fraction * ParameterPanel::kSliderSteps)), 0, ParameterPanel::kSliderSteps);
}

// A double spin box for values spanning decades: shows 'g' notation (0.001, 5000, 1e+05) and
// steps by a factor of 10^0.1 instead of a fixed increment.
class DecadeSpinBox : public QDoubleSpinBox {
public:
    explicit DecadeSpinBox(QWidget* parent)
        : QDoubleSpinBox(parent)
    {
        QLocale plain = locale();
        plain.setNumberOptions(plain.numberOptions() | QLocale::OmitGroupSeparator);
        setLocale(plain);
    }

    QString textFromValue(double value) const override { return locale().toString(value, 'g', 6); }

    double valueFromText(const QString& text) const override
    {
        bool ok = false;
        const double value = locale().toDouble(text.trimmed(), &ok);
        return ok ? value : this->value();
    }

    QValidator::State validate(QString& text, int& position) const override
    {
        Q_UNUSED(position);
        const QString trimmed = text.trimmed();
        if (trimmed.isEmpty())
            return QValidator::Intermediate;
        bool ok = false;
        const double value = locale().toDouble(trimmed, &ok);
        if (!ok)
            return trimmed.contains(QRegularExpression(QStringLiteral("^[0-9.,eE+-]*$"))) ? QValidator::Intermediate
                                                                                       : QValidator::Invalid;
        return value >= minimum() && value <= maximum() ? QValidator::Acceptable : QValidator::Intermediate;
    }

    void stepBy(int steps) override
    {
        const double factor = std::pow(10.0, 0.1 * steps);
        setValue(std::clamp(roundToSignificant(value() * factor, 2), minimum(), maximum()));
    }
};

}  // namespace

ParameterPanel::ParameterPanel(QWidget* parent)
    : QWidget(parent)
{
    m_layerCombo = new QComboBox(this);
    m_layerCombo->setObjectName(QStringLiteral("layerCombo"));
    m_layerCombo->setToolTip(tr("The layer whose parameters you edit; \"All layers\" sets the changed value on every layer."));

    m_schemeCombo = new QComboBox(this);
    m_schemeCombo->setObjectName(QStringLiteral("schemeCombo"));
    m_schemeCombo->addItem(tr("reference (mirrored log)"), int(BinScheme::Reference));
    m_schemeCombo->addItem(tr("linear"), int(BinScheme::Linear));
    m_schemeCombo->setToolTip(tr("Bin edges: the reference NAC-UE scheme is dense near state 0.5 and coarse near 0 "
                                 "and 1; linear spaces them evenly (as NAC-ME does)."));

    m_binEdgeCountSpin = new QSpinBox(this);
    m_binEdgeCountSpin->setObjectName(QStringLiteral("binEdgeCountSpin"));
    m_binEdgeCountSpin->setRange(kMinBinEdgeCount, kMaxBinEdgeCount);
    m_binEdgeCountSpin->setKeyboardTracking(false);
    m_binEdgeCountSpin->setToolTip(NacTerms::binEdgeCount());

    m_minActivatedSpin = new DecadeSpinBox(this);
    m_minActivatedSpin->setObjectName(QStringLiteral("minActivatedSpin"));
    m_minActivatedSpin->setDecimals(kSpinDecimals);
    m_minActivatedSpin->setRange(kMinActivatedSpinMin, kMinActivatedSpinMax);
    m_minActivatedSpin->setKeyboardTracking(false);
    m_minActivatedSpin->setToolTip(NacTerms::minActivated());
    m_minActivatedSlider = new QSlider(Qt::Horizontal, this);
    m_minActivatedSlider->setObjectName(QStringLiteral("minActivatedSlider"));
    m_minActivatedSlider->setRange(0, kSliderSteps);
    m_minActivatedSlider->setToolTip(NacTerms::minActivated() + tr("\nLog scale, 1 to 10000."));

    m_alphaSpin = new DecadeSpinBox(this);
    m_alphaSpin->setObjectName(QStringLiteral("alphaSpin"));
    m_alphaSpin->setDecimals(kSpinDecimals);
    m_alphaSpin->setRange(kAlphaSpinMin, kAlphaSpinMax);
    m_alphaSpin->setKeyboardTracking(false);
    m_alphaSpin->setToolTip(NacTerms::alpha());
    m_alphaSlider = new QSlider(Qt::Horizontal, this);
    m_alphaSlider->setObjectName(QStringLiteral("alphaSlider"));
    m_alphaSlider->setRange(0, kSliderSteps);
    m_alphaSlider->setToolTip(NacTerms::alpha() + tr("\nLog scale, 0.0001 to 100000."));

    m_resetButton = new QPushButton(tr("Model defaults"), this);
    m_resetButton->setObjectName(QStringLiteral("resetButton"));
    m_resetButton->setToolTip(tr("Reset the selected layer (or all layers) to the model's default M, O, α and bins "
                                 "(its nac.json, else the reference's)."));
    m_resetProfileButton = new QPushButton(tr("Profile values"), this);
    m_resetProfileButton->setObjectName(QStringLiteral("resetProfileButton"));
    m_resetProfileButton->setToolTip(tr("Reset the selected layer (or all layers) to the values of the loaded or fitted "
                                        "profile."));
    m_allLayersCombo = new QComboBox(this);
    m_allLayersCombo->setObjectName(QStringLiteral("allLayersModeCombo"));
    m_allLayersCombo->addItem(tr("scale each layer"), int(AllLayersEdit::Scale));
    m_allLayersCombo->addItem(tr("set all to value"), int(AllLayersEdit::Set));
    m_allLayersCombo->setToolTip(tr("With \"All layers\": scale multiplies each layer's M, O or α by the same factor "
                                    "(M 50 → 100 doubles every layer's M, so tuned values keep their ratios); set gives "
                                    "every layer the value shown."));
    m_perLayer = new QLabel(this);
    m_perLayer->setObjectName(QStringLiteral("perLayerLabel"));
    m_perLayer->setTextFormat(Qt::RichText);
    m_perLayer->setToolTip(tr("Each layer's own values"));

    m_hint = new QLabel(this);
    m_hint->setObjectName(QStringLiteral("hintLabel"));
    m_hint->setWordWrap(true);
    m_hint->setForegroundRole(QPalette::PlaceholderText);

    for (QWidget* spin : {static_cast<QWidget*>(m_minActivatedSpin), static_cast<QWidget*>(m_alphaSpin)})
        spin->setMinimumWidth(fontMetrics().horizontalAdvance(QStringLiteral("0.000123456")) + 30);

    auto* form = new QFormLayout(this);
    form->setFieldGrowthPolicy(QFormLayout::AllNonFixedFieldsGrow);
    form->addRow(tr("&Layer:"), m_layerCombo);
    auto* editLabel = new QLabel(tr("&Edit:"), this);
    editLabel->setBuddy(m_allLayersCombo);
    form->addRow(editLabel, m_allLayersCombo);
    form->addRow(tr("&Bins:"), m_schemeCombo);
    auto* mLabel = new QLabel(tr("&M (edges):"), this);
    mLabel->setToolTip(NacTerms::binEdgeCount());
    mLabel->setBuddy(m_binEdgeCountSpin);
    form->addRow(mLabel, m_binEdgeCountSpin);
    auto* oRow = new QHBoxLayout;
    oRow->addWidget(m_minActivatedSpin);
    oRow->addWidget(m_minActivatedSlider, 1);
    auto* oLabel = new QLabel(tr("&O (r):"), this);
    oLabel->setToolTip(NacTerms::minActivated());
    oLabel->setBuddy(m_minActivatedSpin);
    form->addRow(oLabel, oRow);
    auto* alphaRow = new QHBoxLayout;
    alphaRow->addWidget(m_alphaSpin);
    alphaRow->addWidget(m_alphaSlider, 1);
    auto* alphaLabel = new QLabel(tr("&α (alpha):"), this);
    alphaLabel->setToolTip(NacTerms::alpha());
    alphaLabel->setBuddy(m_alphaSpin);
    form->addRow(alphaLabel, alphaRow);
    auto* resetRow = new QHBoxLayout;
    resetRow->addWidget(new QLabel(tr("Reset to:"), this));
    resetRow->addWidget(m_resetButton);
    resetRow->addWidget(m_resetProfileButton);
    resetRow->addStretch(1);
    form->addRow(resetRow);
    form->addRow(m_perLayer);
    form->addRow(m_hint);

    connect(m_layerCombo, qOverload<int>(&QComboBox::currentIndexChanged), this, [this](int) {
        const int layer = selectedLayer();
        if (!m_params.empty())
            showParams(m_params[std::size_t(std::max(layer, 0))]);
        updateHint();
        Q_EMIT layerSelected(layer);
    });
    connect(m_schemeCombo, qOverload<int>(&QComboBox::currentIndexChanged), this, [this](int) { onSchemeChanged(); });
    connect(m_binEdgeCountSpin, qOverload<int>(&QSpinBox::valueChanged), this, &ParameterPanel::onBinEdgeCountChanged);
    connect(m_minActivatedSlider, &QSlider::valueChanged, this, [this](int position) {
        {
            const QSignalBlocker blocker(m_minActivatedSpin);
            m_minActivatedSpin->setValue(sliderToMinActivated(position));
        }
        commit(Field::MinActivated);
    });
    connect(m_minActivatedSpin, qOverload<double>(&QDoubleSpinBox::valueChanged), this, [this](double value) {
        {
            const QSignalBlocker blocker(m_minActivatedSlider);
            m_minActivatedSlider->setValue(minActivatedToSlider(value));
        }
        commit(Field::MinActivated);
    });
    connect(m_alphaSlider, &QSlider::valueChanged, this, [this](int position) {
        {
            const QSignalBlocker blocker(m_alphaSpin);
            m_alphaSpin->setValue(sliderToAlpha(position));
        }
        commit(Field::Alpha);
    });
    connect(m_alphaSpin, qOverload<double>(&QDoubleSpinBox::valueChanged), this, [this](double value) {
        {
            const QSignalBlocker blocker(m_alphaSlider);
            m_alphaSlider->setValue(alphaToSlider(value));
        }
        commit(Field::Alpha);
    });
    connect(m_resetButton, &QPushButton::clicked, this, [this] { onReset(false); });
    connect(m_resetProfileButton, &QPushButton::clicked, this, [this] { onReset(true); });
    connect(m_allLayersCombo, qOverload<int>(&QComboBox::currentIndexChanged), this, [this](int) {
        m_scaleField = 0;
        updateHint();
    });

    setLayers({}, {}, {});
}

ParameterPanel::~ParameterPanel() = default;

void ParameterPanel::setLayers(const QStringList& names, std::vector<LayerParams> current,
                               std::vector<LayerParams> defaults)
{
    Q_ASSERT(current.size() == std::size_t(names.size()));
    Q_ASSERT(defaults.empty() || defaults.size() == std::size_t(names.size()));
    m_names = names;
    m_params = std::move(current);
    m_params.resize(std::size_t(names.size()));
    m_defaults = defaults.empty() ? m_params : std::move(defaults);
    m_defaults.resize(std::size_t(names.size()));
    m_profileParams.clear();
    m_undo.clear();
    m_redo.clear();

    const int previous = selectedLayer();
    {
        const QSignalBlocker blocker(m_layerCombo);
        m_layerCombo->clear();
        m_layerCombo->addItem(tr("All layers"), kAllLayers);
        for (int i = 0; i < names.size(); ++i)
            m_layerCombo->addItem(names[i], i);
        const int index = m_layerCombo->findData(previous < names.size() ? previous : kAllLayers);
        m_layerCombo->setCurrentIndex(std::max(index, 0));
    }
    const bool enabled = !names.isEmpty();
    for (QWidget* control : std::initializer_list<QWidget*>{m_layerCombo, m_schemeCombo, m_binEdgeCountSpin,
                                                            m_minActivatedSpin, m_minActivatedSlider, m_alphaSpin,
                                                            m_alphaSlider, m_resetButton})
        control->setEnabled(enabled);
    m_resetProfileButton->setEnabled(false);
    showParams(m_params.empty() ? LayerParams{} : m_params[std::size_t(std::max(selectedLayer(), 0))]);
    updateHint();
    Q_EMIT undoStateChanged(false, false);
}

void ParameterPanel::setAllLayersEdit(AllLayersEdit mode)
{
    m_allLayersCombo->setCurrentIndex(std::max(m_allLayersCombo->findData(int(mode)), 0));
}

ParameterPanel::AllLayersEdit ParameterPanel::allLayersEdit() const
{
    return AllLayersEdit(m_allLayersCombo->currentData().toInt());
}

void ParameterPanel::setProfileParams(std::vector<LayerParams> params)
{
    m_profileParams = std::move(params);
    if (m_profileParams.size() != m_params.size())
        m_profileParams.clear();
    m_resetProfileButton->setEnabled(!m_profileParams.empty());
}

void ParameterPanel::pushUndo(std::vector<LayerParams> before, int layer, int field)
{
    const qint64 now = QDateTime::currentMSecsSinceEpoch();
    constexpr qint64 kMergeMs = 1000;
    if (field != 0 && !m_undo.empty() && m_undo.back().layer == layer && m_undo.back().field == field
        && now - m_undo.back().atMs < kMergeMs) {
        m_undo.back().atMs = now;  // one step: the values before the first edit of the run
    } else {
        m_undo.push_back(Step{std::move(before), layer, field, now});
    }
    m_redo.clear();
    Q_EMIT undoStateChanged(canUndo(), canRedo());
}

void ParameterPanel::undo()
{
    if (m_undo.empty())
        return;
    Step step = std::move(m_undo.back());
    m_undo.pop_back();
    m_redo.push_back(Step{m_params, step.layer, step.field, 0});
    m_params = std::move(step.params);
    showParams(m_params[std::size_t(std::max(selectedLayer(), 0))]);
    updateHint();
    Q_EMIT undoStateChanged(canUndo(), canRedo());
    Q_EMIT paramsRestored();
}

void ParameterPanel::redo()
{
    if (m_redo.empty())
        return;
    Step step = std::move(m_redo.back());
    m_redo.pop_back();
    m_undo.push_back(Step{m_params, step.layer, step.field, 0});
    m_params = std::move(step.params);
    showParams(m_params[std::size_t(std::max(selectedLayer(), 0))]);
    updateHint();
    Q_EMIT undoStateChanged(canUndo(), canRedo());
    Q_EMIT paramsRestored();
}

void ParameterPanel::setLayerParams(int layer, const LayerParams& params)
{
    Q_ASSERT(layer >= 0 && layer < int(m_params.size()));
    if (layer < 0 || layer >= int(m_params.size()))
        return;
    m_params[std::size_t(layer)] = params;
    const int shown = selectedLayer();
    if (shown == layer || (shown == kAllLayers && layer == 0))
        showParams(params);
    updateHint();
}

void ParameterPanel::setSelectedLayer(int layer)
{
    const int index = m_layerCombo->findData(layer);
    Q_ASSERT(index >= 0);
    if (index < 0)
        return;
    {
        const QSignalBlocker blocker(m_layerCombo);
        m_layerCombo->setCurrentIndex(index);
    }
    if (!m_params.empty())
        showParams(m_params[std::size_t(std::max(layer, 0))]);
    updateHint();
}

int ParameterPanel::selectedLayer() const
{
    const QVariant data = m_layerCombo->currentData();
    return data.isValid() ? data.toInt() : kAllLayers;
}

LayerParams ParameterPanel::shownParams() const
{
    LayerParams params;
    params.scheme = BinScheme(m_schemeCombo->currentData().toInt());
    params.binEdgeCount = m_binEdgeCountSpin->value();
    params.minActivated = m_minActivatedSpin->value();
    params.alpha = m_alphaSpin->value();
    return params;
}

LayerParams ParameterPanel::applyField(LayerParams target, const LayerParams& source, Field field)
{
    switch (field) {
    case Field::BinEdgeCount:
        target.binEdgeCount = source.binEdgeCount;
        break;
    case Field::MinActivated:
        target.minActivated = source.minActivated;
        break;
    case Field::Alpha:
        target.alpha = source.alpha;
        break;
    case Field::Scheme:
        target.scheme = source.scheme;
        break;
    }
    if (target.scheme == BinScheme::Reference && target.binEdgeCount % 2 != 0)
        target.binEdgeCount += target.binEdgeCount < kMaxBinEdgeCount ? 1 : -1;
    return target;
}

LayerParams ParameterPanel::scaleField(LayerParams target, double factor, Field field)
{
    switch (field) {
    case Field::BinEdgeCount: {
        const double scaled = double(target.binEdgeCount) * factor;
        int m = target.scheme == BinScheme::Reference ? 2 * int(std::lround(scaled / 2.0)) : int(std::lround(scaled));
        target.binEdgeCount = std::clamp(m, kMinBinEdgeCount, kMaxBinEdgeCount);
        break;
    }
    case Field::MinActivated:
        target.minActivated = std::clamp(roundToSignificant(target.minActivated * factor, 6), kMinActivatedSpinMin,
                                         kMinActivatedSpinMax);
        break;
    case Field::Alpha:
        target.alpha = std::clamp(roundToSignificant(target.alpha * factor, 6), kAlphaSpinMin, kAlphaSpinMax);
        break;
    case Field::Scheme:
        break;
    }
    return target;
}

double ParameterPanel::sliderToMinActivated(int position)
{
    return logSliderValue(position, kMinActivatedSliderMin, kMinActivatedSliderMax);
}

int ParameterPanel::minActivatedToSlider(double minActivated)
{
    return logSliderPosition(minActivated, kMinActivatedSliderMin, kMinActivatedSliderMax);
}

double ParameterPanel::sliderToAlpha(int position)
{
    return logSliderValue(position, kAlphaSliderMin, kAlphaSliderMax);
}

int ParameterPanel::alphaToSlider(double alpha)
{
    return logSliderPosition(alpha, kAlphaSliderMin, kAlphaSliderMax);
}

void ParameterPanel::showParams(const LayerParams& params)
{
    const QSignalBlocker b1(m_schemeCombo);
    const QSignalBlocker b2(m_binEdgeCountSpin);
    const QSignalBlocker b3(m_minActivatedSpin);
    const QSignalBlocker b4(m_minActivatedSlider);
    const QSignalBlocker b5(m_alphaSpin);
    const QSignalBlocker b6(m_alphaSlider);
    m_schemeCombo->setCurrentIndex(std::max(m_schemeCombo->findData(int(params.scheme)), 0));
    m_binEdgeCountSpin->setSingleStep(params.scheme == BinScheme::Reference ? 2 : 1);
    m_binEdgeCountSpin->setValue(params.binEdgeCount);
    m_minActivatedSpin->setValue(params.minActivated);
    m_minActivatedSlider->setValue(minActivatedToSlider(params.minActivated));
    m_alphaSpin->setValue(params.alpha);
    m_alphaSlider->setValue(alphaToSlider(params.alpha));
    m_lastShown = shownParams();
    m_scaleField = 0;
}

void ParameterPanel::commit(Field field)
{
    if (m_params.empty())
        return;
    const LayerParams shown = shownParams();
    const LayerParams shownBefore = m_lastShown;
    m_lastShown = shown;
    const int layer = selectedLayer();
    std::vector<LayerParams> before = m_params;
    if (layer == kAllLayers) {
        if (allLayersEdit() == AllLayersEdit::Scale && field != Field::Scheme) {
            // Every factor is taken against the values when this run of edits began, so that
            // rounding M does not drift while a slider or spin box moves.
            if (m_scaleField != int(field)) {
                m_scaleBase = m_params;
                m_scaleBaseShown = shownBefore;
                m_scaleField = int(field);
            }
            auto value = [field](const LayerParams& p) {
                return field == Field::BinEdgeCount ? double(p.binEdgeCount)
                    : field == Field::MinActivated  ? p.minActivated
                                                    : p.alpha;
            };
            const double factor = value(shown) / value(m_scaleBaseShown);
            for (std::size_t i = 0; i < m_params.size(); ++i)
                m_params[i] = scaleField(applyField(m_params[i], m_scaleBase[i], field), factor, field);
        } else {
            for (LayerParams& params : m_params)
                params = applyField(params, shown, field);
        }
        updateHint();
        if (m_params != before) {
            pushUndo(std::move(before), kAllLayers, int(field));
            Q_EMIT paramsChanged(kAllLayers, shown, field);
        }
        return;
    }
    LayerParams& params = m_params[std::size_t(layer)];
    const LayerParams updated = applyField(params, shown, field);
    if (updated == params)
        return;
    params = updated;
    pushUndo(std::move(before), layer, int(field));
    updateHint();
    Q_EMIT paramsChanged(layer, params, field);
}

void ParameterPanel::updateHint()
{
    if (m_params.empty()) {
        m_hint->setText(tr("No profile yet: the parameters apply once a profile is fitted."));
        return;
    }
    const bool allSame = std::all_of(m_params.begin(), m_params.end(),
                                     [this](const LayerParams& params) { return params == m_params.front(); });
    if (selectedLayer() == kAllLayers && !allSame && allLayersEdit() == AllLayersEdit::Scale)
        m_hint->setText(tr("The layers have different values; the first layer's are shown. A change scales every "
                           "layer's own value by the same factor (the bins are set on every layer)."));
    else if (selectedLayer() == kAllLayers && !allSame)
        m_hint->setText(tr("The layers have different values; the first layer's are shown. A change sets "
                           "that one value on every layer."));
    else
        m_hint->setText(tr("Changes apply at once. O only changes Φ; M, α and the bins re-bin the cached states."));
    updatePerLayer();
}

void ParameterPanel::updatePerLayer()
{
    // The edit mode and the per-layer list only mean something with "All layers" of several layers.
    const bool all = selectedLayer() == kAllLayers && m_names.size() > 1;
    m_allLayersCombo->setVisible(all);
    if (auto* form = qobject_cast<QFormLayout*>(layout()))
        if (QWidget* label = form->labelForField(m_allLayersCombo))
            label->setVisible(all);
    if (!all) {
        m_perLayer->hide();
        return;
    }
    QString html = QStringLiteral("<table cellspacing=\"0\" cellpadding=\"1\"><tr><th align=\"left\">%1</th>"
                                  "<th align=\"right\">&nbsp;M</th><th align=\"right\">&nbsp;O</th>"
                                  "<th align=\"right\">&nbsp;α</th><th align=\"left\">&nbsp;%2</th></tr>")
                       .arg(tr("layer"), tr("bins"));
    for (int i = 0; i < m_names.size(); ++i) {
        const LayerParams& p = m_params[std::size_t(i)];
        html += QStringLiteral("<tr><td>%1</td><td align=\"right\">&nbsp;%2</td><td align=\"right\">&nbsp;%3</td>"
                               "<td align=\"right\">&nbsp;%4</td><td>&nbsp;%5</td></tr>")
                    .arg(m_names[i].toHtmlEscaped())
                    .arg(p.binEdgeCount)
                    .arg(QString::number(p.minActivated, 'g', 6), QString::number(p.alpha, 'g', 6),
                         p.scheme == BinScheme::Linear ? tr("linear") : tr("ref."));
    }
    m_perLayer->setText(html + QStringLiteral("</table>"));
    m_perLayer->show();
}

void ParameterPanel::onSchemeChanged()
{
    const auto scheme = BinScheme(m_schemeCombo->currentData().toInt());
    m_binEdgeCountSpin->setSingleStep(scheme == BinScheme::Reference ? 2 : 1);
    if (scheme == BinScheme::Reference && m_binEdgeCountSpin->value() % 2 != 0) {
        const QSignalBlocker blocker(m_binEdgeCountSpin);
        const int value = m_binEdgeCountSpin->value();
        m_binEdgeCountSpin->setValue(value < kMaxBinEdgeCount ? value + 1 : value - 1);
    }
    commit(Field::Scheme);
}

void ParameterPanel::onBinEdgeCountChanged(int value)
{
    const auto scheme = BinScheme(m_schemeCombo->currentData().toInt());
    if (scheme == BinScheme::Reference && value % 2 != 0) {
        // The reference scheme mirrors M/2 edges: an odd M cannot be built; take the next even one.
        m_binEdgeCountSpin->setValue(value < kMaxBinEdgeCount ? value + 1 : value - 1);
        return;  // the corrected value arrives here again and is committed then
    }
    commit(Field::BinEdgeCount);
}

void ParameterPanel::onReset(bool toProfile)
{
    if (m_params.empty() || (toProfile && m_profileParams.empty()))
        return;
    const std::vector<LayerParams>& target = toProfile ? m_profileParams : m_defaults;
    const int layer = selectedLayer();
    std::vector<LayerParams> before = m_params;
    if (layer == kAllLayers)
        m_params = target;
    else
        m_params[std::size_t(layer)] = target[std::size_t(layer)];
    if (m_params != before)
        pushUndo(std::move(before), layer, 0);
    showParams(m_params[std::size_t(std::max(layer, 0))]);
    updateHint();
    Q_EMIT resetRequested(layer);
}

}  // namespace nac::widgets
