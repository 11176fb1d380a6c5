// The Explain gallery holding whole scored sets: through the data seam (several sets, sorting,
// verdict/class/set filters, score updates that keep the selection, thumbnails decoded lazily
// from sample identities), timed with 10,000 and 40,000 images, and in the real MainWindow with
// the demo model: an evaluated OOD set arrives in the gallery sorted by the workbench's NAC-UE
// scores, and selecting one of its images explains it.
#include "app/gui/engine_controller.h"
#include "app/gui/explain_panel.h"
#include "app/gui/gallery_model.h"
#include "app/gui/main_window.h"
#include "app/gui/scoring_panel.h"
#include "app/gui/thumbnail_loader.h"
#include "app/gui/workbench_panel.h"
#include "app_test_support.h"
#include "engine/data/sample_identity.h"
#include "fitted_window.h"
#include "widgets/parameter_panel.h"

#include <QApplication>
#include <QComboBox>
#include <QDoubleSpinBox>
#include <QElapsedTimer>
#include <QLabel>
#include <QListView>
#include <QSettings>
#include <QSignalSpy>
#include <QStandardPaths>
#include <QTest>

#include <algorithm>
#include <cmath>
#include <random>

using nac::app::EvaluationResults;
using nac::app::ExplainPanel;
using nac::app::ExplainRequest;
using nac::app::GalleryItem;
using nac::app::GalleryModel;
using nac::app::ImageExplanation;
using nac::app::MainWindow;
using nac::app::SetRole;
using nac::app::StartupOptions;
using nac::app::WorkbenchPanel;

namespace {
constexpr int kWaitMs = 300000;
constexpr double kScoreTolerance = 1e-6;  // one image alone vs. in a batch: the same float32 model, summed alike

// A set's image as the workbench feeds it: no thumbnail, an identity to decode it from.
GalleryItem setItem(int index, double score, int predicted, const QString& base = QStringLiteral("noise:uniform:seed=7"))
{
    GalleryItem g;
    g.identity = base + QStringLiteral("#%1").arg(index);
    g.source = g.identity;
    g.name = g.source;
    g.score = score;
    g.predictedClass = predicted;
    return g;
}

std::vector<GalleryItem> randomSet(int count, unsigned seed, const QString& base = QStringLiteral("noise:uniform:seed=7"))
{
    std::mt19937 random(seed);
    std::uniform_real_distribution<double> score(0.0, 1.0);
    std::vector<GalleryItem> items;
    items.reserve(std::size_t(count));
    for (int i = 0; i < count; ++i)
        items.push_back(setItem(i, score(random), i % 10, base));
    return items;
}

int rows(const ExplainPanel& panel) { return panel.gallery()->model()->rowCount(); }

const GalleryItem& shownItem(const ExplainPanel& panel, int row)
{
    return panel.items()[std::size_t(panel.galleryModel()->rows()[std::size_t(row)])];
}
}  // namespace

class TestExplainGallery : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void initTestCase()
    {
        nac::app::test::useCleanTestSettings();
        nac::app::registerMetaTypes();
        nac::app::registerEvaluationMetaTypes();
    }

    void setsSortFilterAndKeepTheSelection()
    {
        ExplainPanel panel;
        panel.setSetItems(QStringLiteral("mnist"), {setItem(0, 0.30, 1), setItem(1, 0.10, 2), setItem(2, 0.70, 1)});
        panel.setSetItems(QStringLiteral("fashion-test"), {setItem(3, 0.90, 1), setItem(4, 0.50, 2)});
        panel.setSetItems(QStringLiteral("noise"), {setItem(5, 0.05, 2)});
        // The set filter lists every set, in order of arrival.
        QCOMPARE(panel.setFilter()->count(), 4);
        QCOMPARE(panel.setFilter()->itemData(1).toString(), QStringLiteral("mnist"));
        QCOMPARE(panel.setFilter()->itemData(3).toString(), QStringLiteral("noise"));
        QCOMPARE(panel.setNames(), (QStringList{"mnist", "fashion-test", "noise"}));

        // Most OOD first across the sets.
        QCOMPARE(rows(panel), 6);
        std::vector<double> order;
        for (int row = 0; row < rows(panel); ++row)
            order.push_back(shownItem(panel, row).score);
        QCOMPARE(order, (std::vector<double>{0.05, 0.10, 0.30, 0.50, 0.70, 0.90}));
        QVERIFY(panel.findChild<QLabel*>(QStringLiteral("galleryCount"))->text().startsWith(QStringLiteral("6 of 6")));

        // Verdicts at the threshold: 4 OOD (below 0.6), 2 InD.
        panel.setThreshold(0.6);
        panel.verdictFilter()->setCurrentIndex(1);
        QCOMPARE(rows(panel), 4);
        QVERIFY(panel.gallery()->model()->index(0, 0).data().toString().contains(QStringLiteral("OOD")));
        panel.verdictFilter()->setCurrentIndex(2);
        QCOMPARE(rows(panel), 2);
        // Class and set filters together.
        panel.verdictFilter()->setCurrentIndex(0);
        panel.classFilter()->setCurrentIndex(panel.classFilter()->findData(QStringLiteral("class 1")));
        QCOMPARE(rows(panel), 3);
        panel.setFilter()->setCurrentIndex(panel.setFilter()->findData(QStringLiteral("mnist")));
        QCOMPARE(rows(panel), 2);
        QCOMPARE(shownItem(panel, 0).identity, QStringLiteral("noise:uniform:seed=7#0"));
        panel.classFilter()->setCurrentIndex(0);
        panel.setFilter()->setCurrentIndex(0);
        QCOMPARE(rows(panel), 6);

        // Selecting a set's image asks for it by identity.
        panel.setLayers({QStringLiteral("layer1")});
        QSignalSpy asked(&panel, &ExplainPanel::explainRequested);
        QVERIFY(panel.selectRow(2));  // 0.30: mnist #0
        QCOMPARE(asked.size(), 1);
        const auto request = asked.first().first().value<ExplainRequest>();
        QCOMPARE(request.identity, QStringLiteral("noise:uniform:seed=7#0"));
        QCOMPARE(request.sampleIndex, -1);

        // New scores (a parameter change): the gallery re-sorts, the same image stays selected and
        // no new explanation is asked for.
        panel.setSetScores(QStringLiteral("mnist"), {0.95, 0.10, 0.70});
        QCOMPARE(shownItem(panel, rows(panel) - 1).identity, QStringLiteral("noise:uniform:seed=7#0"));
        QCOMPARE(panel.gallery()->currentIndex().row(), rows(panel) - 1);
        QCOMPARE(panel.items()[std::size_t(panel.selectedItem())].identity, QStringLiteral("noise:uniform:seed=7#0"));
        QCOMPARE(asked.size(), 1);
        // Fewer scores than images (a set that could not be re-scored): the rest are unscored, last.
        panel.setSetScores(QStringLiteral("noise"), {});
        QVERIFY(std::isnan(shownItem(panel, rows(panel) - 1).score));

        // A removed set leaves the gallery and the set filter.
        panel.setSetItems(QStringLiteral("fashion-test"), {});
        QCOMPARE(rows(panel), 4);
        QCOMPARE(panel.setNames(), (QStringList{"mnist", "noise"}));
        QCOMPARE(panel.setFilter()->findData(QStringLiteral("fashion-test")), -1);
        QCOMPARE(panel.gallery()->currentIndex().row(), 2);  // mnist #0 (0.95) behind #2 (0.70), unscored noise last
        QCOMPARE(asked.size(), 1);
    }

    void thumbnailsArriveForShownItemsOnly()
    {
        ExplainPanel panel;
        panel.resize(420, 500);
        std::vector<GalleryItem> items = randomSet(3000, 11);
        GalleryItem bad = setItem(0, -1.0, 0, QStringLiteral("/no/such/file.idx3-ubyte"));  // most OOD: shown first
        items.push_back(bad);
        panel.setSetItems(QStringLiteral("noise"), std::move(items));
        panel.show();
        QVERIFY(QTest::qWaitForWindowExposed(&panel));
        GalleryModel* model = panel.galleryModel();
        // Rows 1.. hold decodable noise images; row 0 the missing file.
        QTRY_VERIFY_WITH_TIMEOUT(model->index(1).data(GalleryModel::ThumbnailReadyRole).toBool(), kWaitMs);
        QTRY_VERIFY_WITH_TIMEOUT(!model->thumbnailProblem(shownItem(panel, 0)).isEmpty(), kWaitMs);
        QVERIFY2(model->index(0).data(Qt::ToolTipRole).toString().contains(QStringLiteral("/no/such/file.idx3-ubyte")),
                 qPrintable(model->index(0).data(Qt::ToolTipRole).toString()));
        QTRY_COMPARE_WITH_TIMEOUT(model->loader()->pendingCount(), 0, kWaitMs);
        // The decoded image is the noise image the identity names, as the (default) input spec makes it.
        const QImage thumbnail = model->thumbnail(shownItem(panel, 1));
        QCOMPARE(thumbnail.size(), QSize(GalleryModel::kThumbnailPx, GalleryModel::kThumbnailPx));
        const auto dataset = nac::engine::openSampleIdentity(shownItem(panel, 1).identity.toStdString());
        const nac::engine::InputSpec spec;
        std::vector<float> pixels(spec.valuesPerImage());
        dataset->load(0, spec, pixels.data());
        QCOMPARE(thumbnail, nac::app::imageFromInput(pixels.data(), spec)
                                .scaled(GalleryModel::kThumbnailPx, GalleryModel::kThumbnailPx, Qt::KeepAspectRatio,
                                        Qt::SmoothTransformation));
        // Only what was painted was decoded, not the 3,000 images.
        const int decoded = model->thumbnailsDecoded();
        qInfo("FIGURE thumbnails decoded for a 420x500 panel showing 3001 images: %d", decoded);
        QVERIFY(decoded > 0);
        QVERIFY2(decoded < 1000, qPrintable(QString::number(decoded)));
        // Scrolling to the end decodes the images shown there.
        panel.gallery()->scrollToBottom();
        const int lastRow = rows(panel) - 1;
        QTRY_VERIFY_WITH_TIMEOUT(model->index(lastRow).data(GalleryModel::ThumbnailReadyRole).toBool(), kWaitMs);
        // A score update keeps the thumbnails.
        const GalleryItem last = shownItem(panel, lastRow);
        const int before = model->thumbnailsDecoded();
        std::vector<double> scores(3001, 0.5);
        panel.setSetScores(QStringLiteral("noise"), scores);
        const auto again = std::find_if(panel.items().begin(), panel.items().end(),
                                        [&](const GalleryItem& item) { return item.identity == last.identity; });
        QVERIFY(again != panel.items().end());
        QVERIFY(!model->thumbnail(*again).isNull());
        QCOMPARE(model->thumbnailsDecoded(), before);

        if (const QString grab = qEnvironmentVariable("NAC_TEST_GRAB_GALLERY"); !grab.isEmpty()) {
            panel.gallery()->scrollToTop();
            QTest::qWait(500);
            QVERIFY(panel.grab().save(grab));
        }
    }

    // Timing, printed (not a pass/fail criterion): feeding sets of 10,000 images and re-sorting
    // them after a parameter change.
    void feedsAndResortsLargeSets()
    {
        ExplainPanel panel;
        panel.resize(420, 500);
        panel.show();
        QVERIFY(QTest::qWaitForWindowExposed(&panel));
        QElapsedTimer timer;
        double feedMs[4] = {};
        for (int set = 0; set < 4; ++set) {
            std::vector<GalleryItem> items = randomSet(10000, 20 + unsigned(set), QStringLiteral("noise:uniform:seed=%1").arg(set));
            timer.start();
            panel.setSetItems(QStringLiteral("set%1").arg(set), std::move(items));
            feedMs[set] = double(timer.nsecsElapsed()) / 1e6;
        }
        QCOMPARE(rows(panel), 40000);
        std::mt19937 random(5);
        std::uniform_real_distribution<double> score(0.0, 1.0);
        std::vector<std::vector<double>> fresh(4, std::vector<double>(10000));
        for (auto& scores : fresh)
            for (double& s : scores)
                s = score(random);
        QVERIFY(panel.selectRow(123));
        const QString selected = shownItem(panel, 123).identity;
        timer.start();
        panel.beginUpdate();
        for (int set = 0; set < 4; ++set)
            panel.setSetScores(QStringLiteral("set%1").arg(set), fresh[std::size_t(set)]);
        panel.endUpdate();
        const double resortMs = double(timer.nsecsElapsed()) / 1e6;
        timer.start();
        QApplication::processEvents();  // the layout and paint of the re-sorted view
        const double paintMs = double(timer.nsecsElapsed()) / 1e6;
        for (int row = 1; row < rows(panel); ++row)
            QVERIFY(shownItem(panel, row - 1).score <= shownItem(panel, row).score);
        QCOMPARE(shownItem(panel, panel.gallery()->currentIndex().row()).identity, selected);
        timer.start();
        panel.setFilter()->setCurrentIndex(panel.setFilter()->findData(QStringLiteral("set2")));
        const double filterMs = double(timer.nsecsElapsed()) / 1e6;
        QCOMPARE(rows(panel), 10000);
        qInfo("FIGURE gallery: feeding 10,000-image sets took %.1f, %.1f, %.1f, %.1f ms (gallery then holding 10k..40k); "
              "new scores for all 40,000 and re-sort %.1f ms (+ %.1f ms layout and paint); set filter %.1f ms",
              feedMs[0], feedMs[1], feedMs[2], feedMs[3], resortMs, paintMs, filterMs);
    }

    void explainsAnEvaluatedSetInTheWindow()
    {
        if (!QFileInfo::exists(nac::app::test::fashionTrain()) || !QFileInfo::exists(nac::app::test::mnistOod()))
            QSKIP("needs Fashion-MNIST (dataset-fashion-mnist) and resources/demo/ood");
        StartupOptions options;
        options.model = nac::app::test::demoModel();
        options.data = nac::app::test::fashionTrain() + QStringLiteral("@0-9999");
        options.samples = 300;
        options.heldout = 100;
        auto window = nac::app::test::fittedWindow(options, kWaitMs);
        QVERIFY(window);
        window->resize(1280, 800);
        ExplainPanel* panel = window->explainPanel();
        const int layer = panel->layerBox()->findText(QStringLiteral("layer2"));
        QVERIFY2(layer >= 0, "the demo model's metadata taps layer2");
        panel->layerBox()->setCurrentIndex(layer);

        // An OOD set as the workbench's button adds it.
        WorkbenchPanel* workbench = window->workbenchPanel();
        const QString spec = WorkbenchPanel::bundledOodSets().front() + QStringLiteral("@0-499");
        QSignalSpy shown(window.get(), &MainWindow::evaluationShown);
        const QString name = workbench->addSet(spec, SetRole::Ood);
        auto hasSet = [&] {
            return workbench->results() && workbench->results()->setIndex(name) >= 0 && !workbench->isRunning();
        };
        QTRY_VERIFY_WITH_TIMEOUT(hasSet(), kWaitMs);
        const auto results = workbench->results();
        const nac::app::EvaluatedSet& set = results->sets[std::size_t(results->setIndex(name))];
        QCOMPARE(set.imageCount(), std::size_t(500));
        qInfo("FIGURE gallery fed with a 500-image set in %.1f ms (GUI thread)", window->figures().lastGalleryMs);

        // The gallery holds the set's images with the workbench's scores, most OOD first.
        QCOMPARE(panel->setNames(), QStringList{name});
        QCOMPARE(rows(*panel), 500);
        std::vector<double> expected = set.nacScores;
        std::sort(expected.begin(), expected.end());
        for (int row = 0; row < rows(*panel); ++row) {
            const GalleryItem& item = shownItem(*panel, row);
            QCOMPARE(item.score, expected[std::size_t(row)]);
            const qsizetype at = set.images->identities.indexOf(item.identity);
            QVERIFY(at >= 0);
            QCOMPARE(item.score, set.nacScores[std::size_t(at)]);
        }
        QVERIFY(shownItem(*panel, 0).identity.contains(QStringLiteral("mnist-images-idx3-ubyte.gz#")));
        // Verdicts at the threshold the score distribution shows.
        const double threshold = window->scoringPanel()->threshold();
        QVERIFY(std::isfinite(threshold));
        QCOMPARE(panel->galleryModel()->threshold(), threshold);
        const auto oodCount = std::count_if(set.nacScores.begin(), set.nacScores.end(), [&](double s) { return s < threshold; });
        panel->verdictFilter()->setCurrentIndex(1);
        QCOMPARE(rows(*panel), int(oodCount));
        panel->verdictFilter()->setCurrentIndex(2);
        QCOMPARE(rows(*panel), 500 - int(oodCount));
        panel->verdictFilter()->setCurrentIndex(0);
        qInfo("FIGURE %d of the 500 MNIST images are OOD at the threshold %.4f", int(oodCount), threshold);

        // Selecting the most OOD image explains it: map, nearest fit images, steps; its NAC-UE is the set's.
        window->action(QStringLiteral("actionExplainNac"))->trigger();
        QVERIFY(panel->selectRow(0));
        const GalleryItem chosen = shownItem(*panel, 0);
        QTRY_VERIFY_WITH_TIMEOUT(panel->explanation() && panel->explanation()->request.requestId == panel->pendingRequest(), kWaitMs);
        auto explanation = panel->explanation();
        QVERIFY2(explanation->error.isEmpty(), qPrintable(explanation->error));
        QCOMPARE(explanation->request.identity, chosen.identity);
        QCOMPARE(explanation->layerName, QStringLiteral("layer2"));
        QCOMPARE(explanation->imageMap.size(), std::size_t(28 * 28));
        QCOMPARE(explanation->neighbours.size(), std::size_t(6));
        for (const auto& near : explanation->neighbours)
            QVERIFY2(!near.image.isNull(), qPrintable(near.notice));
        QVERIFY2(std::abs(explanation->walkthrough.total - chosen.score) < kScoreTolerance,
                 qPrintable(QStringLiteral("%1 vs %2").arg(explanation->walkthrough.total).arg(chosen.score)));
        QVERIFY(!panel->stepsText().isEmpty());
        // Its thumbnail was decoded from the IDX file (the panel is on screen).
        QTRY_VERIFY_WITH_TIMEOUT(panel->galleryModel()->index(0).data(GalleryModel::ThumbnailReadyRole).toBool(), kWaitMs);
        // NAC_TEST_GRAB=FILE.png: a picture of the window with the gallery of the set, to look at.
        if (const QString grab = qEnvironmentVariable("NAC_TEST_GRAB"); !grab.isEmpty()) {
            QTest::qWait(500);
            QVERIFY(window->grab().save(grab));
        }

        // An O change: new scores, re-sorted, the same image still selected.
        const int requests = panel->pendingRequest();
        window->parameterPanel()->setSelectedLayer(nac::widgets::ParameterPanel::kAllLayers);
        auto* oSpin = window->parameterPanel()->findChild<QDoubleSpinBox*>(QStringLiteral("minActivatedSpin"));
        QVERIFY(oSpin);
        shown.clear();
        oSpin->setValue(oSpin->value() * 4.0);
        QTRY_VERIFY_WITH_TIMEOUT(!shown.isEmpty() && shown.last().at(1).toDouble() >= 0.0, kWaitMs);
        const auto later = workbench->results();
        const nac::app::EvaluatedSet& after = later->sets[std::size_t(later->setIndex(name))];
        QVERIFY(after.nacScores != set.nacScores);
        qInfo("FIGURE gallery re-sorted after O x4 in %.1f ms (GUI thread)", window->figures().lastGalleryMs);
        for (int row = 1; row < rows(*panel); ++row)
            QVERIFY(shownItem(*panel, row - 1).score <= shownItem(*panel, row).score);
        const GalleryItem& selected = shownItem(*panel, panel->gallery()->currentIndex().row());
        QCOMPARE(selected.identity, chosen.identity);
        QCOMPARE(selected.score, after.nacScores[std::size_t(after.images->identities.indexOf(chosen.identity))]);
        // The re-sort asks for nothing; once the parameters rest, the shown image's explanation is
        // asked again (its Phi changed with O), for the same image.
        QTRY_COMPARE_WITH_TIMEOUT(panel->pendingRequest(), requests + 1, kWaitMs);
        QTRY_VERIFY_WITH_TIMEOUT(panel->explanation()->request.requestId == panel->pendingRequest(), kWaitMs);
        QCOMPARE(panel->explanation()->request.identity, chosen.identity);
        QVERIFY(panel->explanation()->error.isEmpty());

        // A set image whose file is gone: the panel says so and the app keeps running.
        ExplainRequest missing = explanation->request;
        missing.requestId = panel->pendingRequest();
        missing.identity = QStringLiteral("/no/such/dir/mnist-images-idx3-ubyte.gz#3");
        QSignalSpy answered(window->controller(), &nac::app::EngineController::explanationReady);
        window->controller()->explainImage(missing);
        QVERIFY(answered.wait(kWaitMs));
        QVERIFY2(panel->explanation()->error.contains(QStringLiteral("/no/such/dir/mnist-images-idx3-ubyte.gz")),
                 qPrintable(panel->explanation()->error));
        qInfo("missing file: %s", qPrintable(panel->findChild<QLabel*>(QStringLiteral("explainMapSummary"))->text()));
        QVERIFY2(panel->findChild<QLabel*>(QStringLiteral("explainMapSummary"))->text().contains(QStringLiteral("Cannot explain")),
                 qPrintable(panel->findChild<QLabel*>(QStringLiteral("explainMapSummary"))->text()));

        // Removing the set empties the gallery.
        Q_EMIT workbench->removeRequested(name);
        QTRY_VERIFY_WITH_TIMEOUT(workbench->results() && workbench->results()->setIndex(name) < 0, kWaitMs);
        QTRY_COMPARE_WITH_TIMEOUT(rows(*panel), 0, kWaitMs);

        // A workbench set named like the dropped images' set gets a name of its own in the gallery.
        QCOMPARE(workbench->addSet(WorkbenchPanel::bundledOodSets().front() + QStringLiteral("@0-49"), SetRole::Ood,
                                   ExplainPanel::droppedSetName()),
                 ExplainPanel::droppedSetName());
        QTRY_COMPARE_WITH_TIMEOUT(rows(*panel), 50, kWaitMs);
        QCOMPARE(panel->setNames(), QStringList{QStringLiteral("dropped (workbench)")});
    }
};

QTEST_MAIN(TestExplainGallery)
#include "tst_explain_gallery.moc"
