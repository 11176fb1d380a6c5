// The Explain panel: its gallery through the data seam (sorting, verdict/class/set filters), and
// end to end in the real MainWindow (offscreen) with the demo model fitted on Fashion-MNIST:
// selecting a dropped image brings its coverage map, nearest fit images read back from the IDX
// file, and NAC's steps whose numbers are the scores the score list shows.
#include "app/gui/coverage_panel.h"
#include "app/gui/engine_controller.h"
#include "app/gui/explain_panel.h"
#include "app/gui/main_window.h"
#include "app/gui/scoring_panel.h"
#include "app_test_support.h"
#include "fitted_window.h"
#include "engine/data/sample_identity.h"
#include "widgets/parameter_panel.h"

#include <QApplication>
#include <QComboBox>
#include <QDockWidget>
#include <QDoubleSpinBox>
#include <QListView>
#include <QPushButton>
#include <QSettings>
#include <QSignalSpy>
#include <QSlider>
#include <QStandardPaths>
#include <QTabWidget>
#include <QTest>

#include "widgets/coverage_heatmap_view.h"
#include "widgets/neuron_histogram_view.h"
#include "widgets/score_distribution_view.h"
#include "widgets/score_list_view.h"

#include <algorithm>
#include <cmath>

using nac::app::ExplainPanel;
using nac::app::GalleryItem;
using nac::app::ImageExplanation;
using nac::app::JobOutcome;
using nac::app::JobResult;
using nac::app::MainWindow;
using nac::app::StartupOptions;

namespace {
constexpr int kWaitMs = 180000;

GalleryItem item(const QString& name, double score, int predicted, const QString& label, int sample)
{
    GalleryItem g;
    g.name = name;
    g.source = QStringLiteral("/images/") + name;
    g.score = score;
    g.predictedClass = predicted;
    g.predictedLabel = label;
    g.sampleIndex = sample;
    g.thumbnail = QImage(8, 8, QImage::Format_Grayscale8);
    g.thumbnail.fill(int(score * 255));
    return g;
}

std::vector<QString> shownNames(const ExplainPanel& panel)
{
    std::vector<QString> names;
    for (int index : panel.shownItems())
        names.push_back(panel.items()[std::size_t(index)].name);
    return names;
}
}  // namespace

class TestExplainPanel : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void initTestCase()
    {
        nac::app::test::useCleanTestSettings();
        nac::app::registerMetaTypes();
    }

    void gallerySortsAndFilters()
    {
        ExplainPanel panel;
        panel.setSetItems(QStringLiteral("textures"), {item("t1", 0.20, 1, "Trouser", 0), item("t2", 0.65, 7, "Sneaker", 1)});
        panel.setSetItems(QStringLiteral("test"), {item("a", 0.90, 1, "Trouser", 2), item("b", 0.55, 7, "Sneaker", 3),
                                                   item("c", std::nan(""), -1, QString(), -1)});
        QCOMPARE(int(panel.items().size()), 5);
        // Most OOD first: ascending scores, unscored last.
        QCOMPARE(shownNames(panel), (std::vector<QString>{"t1", "b", "t2", "a", "c"}));
        QCOMPARE(panel.gallery()->model()->rowCount(), 5);
        panel.sortBox()->setCurrentIndex(1);
        QCOMPARE(shownNames(panel), (std::vector<QString>{"a", "t2", "b", "t1", "c"}));
        QCOMPARE(panel.gallery()->model()->index(0, 0).data(Qt::UserRole).toInt(), 2);  // "a" is items()[2]

        // Verdicts need a threshold; without one "OOD only" shows nothing.
        panel.verdictFilter()->setCurrentIndex(1);
        QCOMPARE(panel.gallery()->model()->rowCount(), 0);
        panel.setThreshold(0.6);
        QCOMPARE(shownNames(panel), (std::vector<QString>{"b", "t1"}));
        panel.verdictFilter()->setCurrentIndex(2);
        QCOMPARE(shownNames(panel), (std::vector<QString>{"a", "t2"}));
        QVERIFY(panel.gallery()->model()->index(0, 0).data().toString().contains(QStringLiteral("InD")));

        panel.verdictFilter()->setCurrentIndex(0);
        panel.classFilter()->setCurrentIndex(panel.classFilter()->findData(QStringLiteral("Sneaker")));
        QCOMPARE(shownNames(panel), (std::vector<QString>{"t2", "b"}));
        panel.setFilter()->setCurrentIndex(panel.setFilter()->findData(QStringLiteral("textures")));
        QCOMPARE(shownNames(panel), (std::vector<QString>{"t2"}));

        // Replacing one set keeps the others and the filters.
        panel.setSetItems(QStringLiteral("test"), {item("d", 0.1, 7, "Sneaker", 4)});
        QCOMPARE(int(panel.items().size()), 3);
        QCOMPARE(shownNames(panel), (std::vector<QString>{"t2"}));
        panel.setFilter()->setCurrentIndex(0);
        QCOMPARE(shownNames(panel), (std::vector<QString>{"t2", "d"}));
    }

    void overlayFollowsOpacity()
    {
        QImage image(4, 4, QImage::Format_Grayscale8);
        image.fill(100);
        std::vector<float> map(16, 0.0f);
        map[5] = 2.0f;
        map[6] = 1.0f;
        const QImage none = ExplainPanel::composeOverlay(image, map, 2.0f, 0.0);
        QCOMPARE(none.pixel(1, 1), qRgb(100, 100, 100));
        const QImage full = ExplainPanel::composeOverlay(image, map, 2.0f, 1.0);
        QCOMPARE(full.pixel(0, 0), qRgb(100, 100, 100));  // map 0: the image shows through
        QCOMPARE(full.pixel(1, 1), ExplainPanel::mapColour(1.0).rgb());  // the peak, fully opaque
        const QColor half = ExplainPanel::mapColour(0.5);
        QCOMPARE(full.pixel(2, 1), qRgb(int(100 * 0.5 + half.red() * 0.5 + 0.5), int(100 * 0.5 + half.green() * 0.5 + 0.5),
                                        int(100 * 0.5 + half.blue() * 0.5 + 0.5)));
    }

    void stepsWalkOneAtATime()
    {
        // A hand-made explanation through the data seam: every step's text holds its number, the
        // counter names it, and each step shown one at a time is announced for the plots.
        ExplainPanel panel;
        panel.setLayers({QStringLiteral("layer1"), QStringLiteral("layer2")});
        panel.setSetItems(QStringLiteral("dropped"), {item("boot.png", 0.3125, 9, "Ankle boot", 4)});
        panel.setThreshold(0.5);
        QSignalSpy requested(&panel, &ExplainPanel::explainRequested);
        QSignalSpy stepShown(&panel, &ExplainPanel::teachingStepShown);
        QSignalSpy cleared(&panel, &ExplainPanel::teachingCleared);
        QVERIFY(panel.selectSample(4));
        QCOMPARE(requested.size(), 1);
        QCOMPARE(cleared.size(), 1);
        QVERIFY(!panel.nextStepButton()->isEnabled());  // nothing to walk through yet

        auto explanation = std::make_shared<ImageExplanation>();
        explanation->request = requested.first().first().value<nac::app::ExplainRequest>();
        explanation->layerName = QStringLiteral("layer1");
        explanation->image = QImage(4, 4, QImage::Format_RGB32);
        explanation->image.fill(Qt::gray);
        explanation->imageMap.assign(16, 0.0f);
        explanation->channelCount = 16;
        nac::app::NeuronWalkthrough& w = explanation->walkthrough;
        w.neuron = 7;
        w.pooledOutput = 12.375;
        w.pooledGradient = -0.0421875;
        w.rawProduct = -0.52207f;
        w.alpha = 2.0;
        w.state = 0.26037f;
        w.bin = 13;
        w.binLow = 0.25;
        w.binHigh = 0.275;
        w.binCount = 49;
        w.count = 3;
        w.minActivated = 8.0;
        w.phi = 0.375f;
        w.layerScore = 0.28125;
        w.perLayer = {0.28125, 0.34375};
        w.total = 0.3125;
        panel.setExplanation(explanation);

        QVERIFY(!panel.showAllSteps());
        QCOMPARE(panel.teachingStep(), 1);
        QCOMPARE(panel.stepCounterText(), QStringLiteral("Step 1 of 9: the layer output z"));
        QCOMPARE(stepShown.size(), 1);
        QCOMPARE(stepShown.last(), (QList<QVariant>{1, 4, 0, 7, 13, 0.3125}));
        QVERIFY(!panel.previousStepButton()->isEnabled());
        const QStringList numbers{"12.375", "-0.0421875", "0.26037", "13", "3", "0.375", "0.281", "0.3125", "OOD"};
        for (int step = 1; step <= ExplainPanel::kTeachingStepCount; ++step) {
            QCOMPARE(panel.teachingStep(), step);
            QVERIFY2(panel.stepText(step).contains(numbers[step - 1]), qPrintable(panel.stepText(step)));
            // The current step is shown in full, earlier ones collapsed to a line, later ones not yet.
            QVERIFY2(panel.stepsText().contains(panel.stepText(step)), qPrintable(panel.stepsText()));
            QVERIFY(panel.stepCounterText().startsWith(QStringLiteral("Step %1 of 9: ").arg(step)));
            if (step < ExplainPanel::kTeachingStepCount)
                QVERIFY(!panel.stepsText().contains(panel.stepText(step + 1)));
            QCOMPARE(stepShown.last().at(0).toInt(), step);
            if (step < ExplainPanel::kTeachingStepCount)
                panel.nextStepButton()->click();
        }
        QCOMPARE(panel.stepCounterText(), QStringLiteral("Step 9 of 9: the verdict"));
        QVERIFY(!panel.nextStepButton()->isEnabled());
        QVERIFY(panel.stepsText().contains(QStringLiteral("1. Layer output: sum z = 12.375")));  // collapsed
        QVERIFY(panel.stepText(9).contains(QStringLiteral("0.3125 < 0.5")));
        panel.previousStepButton()->click();
        QCOMPARE(panel.teachingStep(), 8);
        QCOMPARE(stepShown.size(), 10);

        // Show all: today's full list, no highlights; back to one at a time announces the step again.
        const int clearedBefore = int(cleared.size());
        panel.showAllButton()->click();
        QVERIFY(panel.showAllSteps());
        QCOMPARE(int(cleared.size()), clearedBefore + 1);
        for (int step = 1; step <= ExplainPanel::kTeachingStepCount; ++step)
            QVERIFY(panel.stepsText().contains(panel.stepText(step)));
        QVERIFY(!panel.nextStepButton()->isEnabled());
        panel.nextStepButton()->click();
        QCOMPARE(stepShown.size(), 10);
        panel.setShowAllSteps(false);
        QCOMPARE(stepShown.size(), 11);
        QCOMPARE(stepShown.last().at(0).toInt(), 8);

        // A step out of range is clamped; a state in no bin says so.
        panel.setTeachingStep(42);
        QCOMPARE(panel.teachingStep(), 9);
        auto noBin = std::make_shared<ImageExplanation>(*explanation);
        noBin->walkthrough.bin = -1;
        noBin->walkthrough.phi = 0.0f;
        panel.layerBox()->setCurrentIndex(1);  // asks again for the same image: the step stays
        noBin->request = requested.last().first().value<nac::app::ExplainRequest>();
        panel.setExplanation(noBin);
        QCOMPARE(panel.teachingStep(), 9);
        QVERIFY(panel.stepText(4).contains(QStringLiteral("no bin")));
        QCOMPARE(stepShown.last().at(4).toInt(), -1);

        // An error clears the highlights and the steps.
        auto failed = std::make_shared<ImageExplanation>();
        panel.phiBox()->setValue(0.5);
        failed->request = requested.last().first().value<nac::app::ExplainRequest>();
        failed->error = QStringLiteral("the model is gone");
        const int clearedBeforeError = int(cleared.size());
        panel.setExplanation(failed);
        QCOMPARE(int(cleared.size()), clearedBeforeError + 1);
        QVERIFY(panel.stepsText().isEmpty());
        QVERIFY(!panel.nextStepButton()->isEnabled());
        QVERIFY(!panel.selectSample(99));
    }

    void comparisonNamesTheLayerThatSeparatesMost()
    {
        ExplainPanel panel;
        panel.setLayers({QStringLiteral("layer1"), QStringLiteral("layer2"), QStringLiteral("fc")});
        panel.setSetItems(QStringLiteral("dropped"), {item("trouser.png", 0.8, 1, "Trouser", 0), item("noise.png", 0.2, 1, "Trouser", 1)});
        QSignalSpy requested(&panel, &ExplainPanel::explainRequested);
        auto answer = [&](int sample, std::vector<double> perLayer) {
            QVERIFY(panel.selectSample(sample));
            auto e = std::make_shared<ImageExplanation>();
            e->request = requested.last().first().value<nac::app::ExplainRequest>();
            e->layerName = QStringLiteral("layer1");
            e->image = QImage(4, 4, QImage::Format_RGB32);
            e->imageMap.assign(16, 0.0f);
            e->walkthrough.perLayer = perLayer;
            e->walkthrough.total = (perLayer[0] + perLayer[1] + perLayer[2]) / 3.0;
            panel.setExplanation(e);
        };
        answer(0, {0.9, 0.7, 0.8});
        QVERIFY(panel.comparisonText().isEmpty());
        QCOMPARE(panel.lowerTabs()->currentIndex(), 0);
        panel.pinButton()->click();
        QCOMPARE(panel.lowerTabs()->currentIndex(), 1);  // the comparison shows
        answer(1, {0.5, 0.05, 0.7});
        const QString text = panel.comparisonText();
        QVERIFY2(text.contains(QStringLiteral("<b>layer2</b> separates them most: mean Φ 0.7 against 0.05")), qPrintable(text));
        QVERIFY2(text.contains(QStringLiteral("-0.650")), qPrintable(text));  // layer2's difference
        QVERIFY(text.contains(QStringLiteral("trouser.png")) && text.contains(QStringLiteral("noise.png")));
        panel.setTeachingStep(2);
        QCOMPARE(panel.lowerTabs()->currentIndex(), 0);  // a step asked for brings the steps back
    }

    void explainsADroppedImageInTheWindow()
    {
        if (!QFileInfo::exists(nac::app::test::fashionTrain()))
            QSKIP("Fashion-MNIST is not installed (Debian package dataset-fashion-mnist)");
        StartupOptions options;
        options.model = nac::app::test::demoModel();
        options.data = nac::app::test::fashionTrain() + QStringLiteral("@0-9999");
        options.samples = 300;
        options.heldout = 100;
        auto window = nac::app::test::fittedWindow(options, kWaitMs);
        QVERIFY(window);
        window->resize(1280, 800);

        const QString samples = QStringLiteral(NAC_SOURCE_DIR "/resources/samples/");
        const QStringList files{samples + "fmnist-test-00000-ankle-boot.png", samples + "fmnist-test-00002-trouser.png",
                                samples + "mnist-0000-digit9.png", samples + "texture-test-0000.png",
                                samples + "noise-uniform.png"};
        QSignalSpy shown(window.get(), &MainWindow::scoresShown);
        QVERIFY(nac::app::test::dropFiles(window.get(), files));
        QVERIFY(shown.wait(kWaitMs));
        ExplainPanel* panel = window->explainPanel();
        QTRY_COMPARE_WITH_TIMEOUT(panel->gallery()->model()->rowCount(), 5, kWaitMs);
        auto scores = window->scoringPanel()->droppedScores();
        QTRY_VERIFY_WITH_TIMEOUT((scores = window->scoringPanel()->droppedScores()) && scores->scores.total.size() == 5, kWaitMs);
        QTRY_VERIFY_WITH_TIMEOUT(!std::isnan(panel->items().back().score), kWaitMs);

        // Sorted: most OOD first, by the scores the score list has.
        const std::vector<int> order = panel->shownItems();
        for (std::size_t i = 1; i < order.size(); ++i)
            QVERIFY(panel->items()[std::size_t(order[i - 1])].score <= panel->items()[std::size_t(order[i])].score);
        for (const GalleryItem& g : panel->items())
            QCOMPARE(g.score, scores->scores.total[std::size_t(g.sampleIndex)]);

        // Help > Explain NAC shows the panel; pick a feature-map layer and the most OOD image.
        window->action(QStringLiteral("actionExplainNac"))->trigger();
        QVERIFY(window->explainDock()->isVisible());
        QVERIFY(window->action(QStringLiteral("actionAboutStudio")));
        const int layer = panel->layerBox()->findText(QStringLiteral("layer2"));
        QVERIFY2(layer >= 0, "the demo model's metadata taps layer2");
        panel->layerBox()->setCurrentIndex(layer);
        QVERIFY(panel->selectRow(0));
        QTRY_VERIFY_WITH_TIMEOUT(panel->explanation() && panel->explanation()->request.requestId == panel->pendingRequest(), kWaitMs);
        auto explanation = panel->explanation();
        QVERIFY2(explanation->error.isEmpty(), qPrintable(explanation->error));
        const int sample = panel->items()[std::size_t(order[0])].sampleIndex;
        QCOMPARE(explanation->request.sampleIndex, sample);
        QCOMPARE(explanation->layerName, QStringLiteral("layer2"));
        QCOMPARE(explanation->mapHeight, 14);
        QCOMPARE(explanation->imageMap.size(), std::size_t(28 * 28));
        QVERIFY(explanation->weakChannels > 0);

        // The steps' numbers are the engine's explanation of the same image (same bits).
        const auto& steps = explanation->walkthrough;
        QCOMPARE(steps.total, scores->scores.total[std::size_t(sample)]);
        const auto& verdict = scores->explanations[std::size_t(sample)].neurons[std::size_t(layer)][std::size_t(steps.neuron)];
        QCOMPARE(steps.state, verdict.state);
        QCOMPARE(steps.bin, verdict.bin);
        QCOMPARE(steps.phi, verdict.phi);
        QVERIFY(steps.phi < 1.0f);  // the neuron shown is a weak one
        QVERIFY2(panel->stepText(int(ExplainPanel::TeachingStep::Score)).contains(QString::number(steps.total, 'g', 6)),
                 qPrintable(panel->stepText(int(ExplainPanel::TeachingStep::Score))));
        // The coverage side follows: the layer's heatmap, the steps' neuron in the histogram with
        // the image's state among its lines.
        QCOMPARE(window->coveragePanel()->currentLayer(), layer);
        QCOMPARE(window->coveragePanel()->histogram()->layer(), QStringLiteral("layer2"));
        QCOMPARE(window->coveragePanel()->histogram()->neuron(), steps.neuron);
        QVERIFY(std::find(window->coveragePanel()->histogram()->droppedStates().begin(),
                          window->coveragePanel()->histogram()->droppedStates().end(),
                          steps.state) != window->coveragePanel()->histogram()->droppedStates().end());

        // Teaching mode (Help > Explain NAC): one step at a time on this image, each highlighting its plot.
        window->action(QStringLiteral("actionExplainNac"))->trigger();
        QCOMPARE(panel->explanation()->request.sampleIndex, sample);
        QVERIFY(!panel->showAllSteps());
        QCOMPARE(panel->teachingStep(), 1);
        auto* coverage = window->coveragePanel();
        auto* histogram = coverage->histogram();
        auto* heatmap = coverage->heatmap(layer);
        auto* distribution = window->scoringPanel()->distribution();
        const QString grabSteps = qEnvironmentVariable("NAC_TEST_GRAB_STEPS");  // a folder: one PNG per step
        if (!grabSteps.isEmpty())  // NAC_TEST_GRAB_SIZE: at 1024x700 instead
            window->resize(qEnvironmentVariableIsSet("NAC_TEST_GRAB_SIZE") ? QSize(1024, 700) : QSize(1600, 1000));
        using Step = ExplainPanel::TeachingStep;
        for (int step = 1; step <= ExplainPanel::kTeachingStepCount; ++step) {
            if (step > 1)
                panel->nextStepButton()->click();
            QCOMPARE(panel->teachingStep(), step);
            const bool neuronStep = step <= int(Step::State);
            const bool binStep = step >= int(Step::Bin) && step <= int(Step::Phi);
            QCOMPARE(histogram->neuron(), steps.neuron);
            QCOMPARE(histogram->highlightedState(), (neuronStep || binStep) ? double(steps.state) : std::nan(""));
            QCOMPARE(histogram->highlightedBin(), binStep ? steps.bin : -1);
            QCOMPARE(heatmap->highlightedNeuron(), binStep ? steps.neuron : -1);
            QCOMPARE(heatmap->highlightedBin(), binStep ? steps.bin : -1);
            QCOMPARE(coverage->highlightedLayer(), step == int(Step::LayerMean) ? layer : -1);
            const bool scoreStep = step >= int(Step::Score);
            QCOMPARE(distribution->highlightedScore(), scoreStep ? steps.total : std::nan(""));
            QCOMPARE(distribution->thresholdHighlighted(), step == int(Step::Verdict));
            if (scoreStep)
                QVERIFY(window->scoringPanel()->isVisible() && panel->isVisible());  // the distribution beside the steps
            if (!grabSteps.isEmpty()) {
                QTest::qWait(200);
                QVERIFY(window->grab().save(QStringLiteral("%1/step-%2.png").arg(grabSteps).arg(step)));
            }
        }
        QVERIFY2(panel->stepText(int(Step::State)).contains(QString::number(steps.state, 'g', 6)), qPrintable(panel->stepText(3)));
        QVERIFY2(panel->stepText(int(Step::Phi)).contains(QString::number(steps.phi, 'g', 4)), qPrintable(panel->stepText(6)));
        QVERIFY2(panel->stepText(int(Step::LayerMean)).contains(QString::number(scores->scores.perLayer[std::size_t(layer)][std::size_t(sample)], 'g', 4)),
                 qPrintable(panel->stepText(7)));
        // Ctrl+E put the steps in a tab beside the fit panel (left), with the parameter panel.
        auto tabbedNames = [&](QDockWidget* dock) {
            QStringList names;
            for (QDockWidget* other : window->tabifiedDockWidgets(dock))
                names.append(other->objectName());
            return names;
        };
        QVERIFY2(tabbedNames(window->explainDock()).contains(QStringLiteral("fitDock")), qPrintable(tabbedNames(window->explainDock()).join(' ')));
        QVERIFY(!tabbedNames(window->explainDock()).contains(QStringLiteral("scoringDock")));
        // Closing the steps leaves teaching mode; showing them again resumes it.
        window->explainDock()->close();
        QTRY_VERIFY(!panel->isVisible());
        QVERIFY(std::isnan(distribution->highlightedScore()));
        window->explainDock()->show();
        window->explainDock()->raise();
        QTRY_VERIFY(panel->isVisible());
        QCOMPARE(distribution->highlightedScore(), steps.total);
        QVERIFY(distribution->thresholdHighlighted());
        // Show all leaves teaching mode: no highlights; selecting another image in the score list clears them too.
        panel->showAllButton()->click();
        QVERIFY(std::isnan(distribution->highlightedScore()));
        panel->setShowAllSteps(false);
        QCOMPARE(distribution->highlightedScore(), steps.total);
        auto* list = window->scoringPanel()->list();
        for (int row = 0; row < list->rowCount(); ++row)
            if (list->row(row).sampleIndex != sample && row != list->currentRow()) {
                list->setCurrentRow(row);
                break;
            }
        QVERIFY(std::isnan(distribution->highlightedScore()));
        QVERIFY(std::isnan(histogram->highlightedState()));

        // Nearest fit images: read back from the IDX file by their identities, nearest first.
        QCOMPARE(explanation->neighbours.size(), std::size_t(6));
        for (std::size_t i = 0; i < explanation->neighbours.size(); ++i) {
            const auto& near = explanation->neighbours[i];
            QVERIFY2(!near.image.isNull(), qPrintable(near.notice));
            QCOMPARE(near.image.size(), QSize(28, 28));
            QVERIFY(near.identity.contains(QStringLiteral("train-images-idx3-ubyte.gz#")));
            if (i > 0)
                QVERIFY(near.distance >= explanation->neighbours[i - 1].distance);
            // The same pixels as the identity opened on its own (the panel reads one range per file).
            const auto alone = nac::engine::openSampleIdentity(near.identity.toStdString());
            const nac::engine::InputSpec& spec = window->model()->input;
            std::vector<float> pixels(spec.valuesPerImage());
            alone->load(0, spec, pixels.data());
            QCOMPARE(near.image, nac::app::imageFromInput(pixels.data(), spec));
        }

        // Opacity only redraws; Phi below a smaller value asks again and finds fewer weak channels.
        panel->opacitySlider()->setValue(0);
        QCOMPARE(panel->overlayImage(), explanation->image.convertToFormat(QImage::Format_RGB32));
        panel->opacitySlider()->setValue(100);
        QVERIFY(panel->overlayImage() != explanation->image.convertToFormat(QImage::Format_RGB32));
        const int weakBefore = explanation->weakChannels;
        panel->phiBox()->setValue(0.2);
        QTRY_VERIFY_WITH_TIMEOUT(panel->explanation()->request.phiBelow == 0.2 && panel->explanation()->request.requestId == panel->pendingRequest(), kWaitMs);
        QVERIFY(panel->explanation()->weakChannels <= weakBefore);

        // Side by side: pin this (most OOD) image, select the most covered one; both columns hold
        // each image's own layer scores.
        panel->phiBox()->setValue(1.0);
        QTRY_VERIFY_WITH_TIMEOUT(panel->explanation()->request.phiBelow == 1.0 && panel->explanation()->request.requestId == panel->pendingRequest(), kWaitMs);
        QVERIFY(panel->pinButton()->isEnabled());
        panel->pinButton()->click();
        QCOMPARE(panel->pinned(), panel->explanation());
        QVERIFY(panel->selectRow(panel->gallery()->model()->rowCount() - 1));
        QTRY_VERIFY_WITH_TIMEOUT(panel->explanation() != panel->pinned() && panel->explanation()->request.requestId == panel->pendingRequest(), kWaitMs);
        const int other = panel->items()[std::size_t(order.back())].sampleIndex;
        QCOMPARE(panel->explanation()->request.sampleIndex, other);
        const QString comparison = panel->comparisonText();
        QVERIFY2(comparison.contains(QString::number(scores->scores.total[std::size_t(sample)], 'g', 4))
                     && comparison.contains(QString::number(scores->scores.total[std::size_t(other)], 'g', 4)),
                 qPrintable(comparison));
        for (std::size_t l = 0; l < scores->scores.perLayer.size(); ++l)
            QVERIFY2(comparison.contains(QString::number(scores->scores.perLayer[l][std::size_t(other)], 'g', 4)), qPrintable(comparison));

        // A parameter change asks for the shown image's explanation again: its Phi and steps follow
        // the new O, and the step shown stays.
        panel->setTeachingStep(5);
        const double oldO = panel->explanation()->walkthrough.minActivated;
        const int requestsBefore = panel->pendingRequest();
        auto* oSpin = window->parameterPanel()->findChild<QDoubleSpinBox*>(QStringLiteral("minActivatedSpin"));
        QVERIFY(oSpin);
        oSpin->setValue(oSpin->value() * 2.0);
        QTRY_VERIFY_WITH_TIMEOUT(panel->pendingRequest() > requestsBefore && panel->explanation()->request.requestId == panel->pendingRequest(), kWaitMs);
        QVERIFY2(std::abs(panel->explanation()->walkthrough.minActivated - 2.0 * oldO) <= 1e-6 * oldO,
                 qPrintable(QStringLiteral("O %1 -> %2").arg(oldO).arg(panel->explanation()->walkthrough.minActivated)));
        QCOMPARE(panel->teachingStep(), 5);
        QVERIFY2(panel->stepText(int(Step::Count)).contains(QString::number(panel->explanation()->walkthrough.minActivated, 'g', 4)),
                 qPrintable(panel->stepText(int(Step::Count))));

        // A request the profile cannot answer comes back with a line saying why.
        nac::app::ExplainRequest bad = panel->explanation()->request;
        bad.requestId = 0;
        bad.layer = 99;
        QSignalSpy answered(window->controller(), &nac::app::EngineController::explanationReady);
        window->controller()->explainImage(bad);
        QVERIFY(answered.wait(kWaitMs));
        const auto refused = answered.first().first().value<std::shared_ptr<const ImageExplanation>>();
        QVERIFY2(refused->error.contains(QStringLiteral("layers")), qPrintable(refused->error));

        // NAC_TEST_GRAB=FILE.png: a picture of the window with the Explain tab, to look at.
        if (const QString grab = qEnvironmentVariable("NAC_TEST_GRAB"); !grab.isEmpty()) {
            panel->phiBox()->setValue(1.0);
            panel->opacitySlider()->setValue(70);
            const QSize size = qEnvironmentVariableIsSet("NAC_TEST_GRAB_SIZE") ? QSize(1024, 700) : QSize(1280, 800);
            window->resize(size);
            QTRY_VERIFY_WITH_TIMEOUT(panel->explanation()->request.phiBelow == 1.0, kWaitMs);
            QTest::qWait(300);
            QVERIFY(window->grab().save(grab));
        }

        // Reset Layout puts the Explain tab back among the right-hand tabs.
        window->action(QStringLiteral("actionResetLayout"))->trigger();
        QVERIFY2(tabbedNames(window->explainDock()).contains(QStringLiteral("scoringDock")), qPrintable(tabbedNames(window->explainDock()).join(' ')));
    }
};

QTEST_MAIN(TestExplainPanel)
#include "tst_explain_panel.moc"
