// Tests of WorkbenchPanel through its data seams (offscreen): set names from specs, the metrics
// table as `nac eval` prints it, averages, ROC and density curves, removal by Delete, role changes.
#include "app/gui/workbench_panel.h"

#include "engine/metrics.h"
#include "widgets/set_curves_view.h"

#include <QAbstractButton>
#include <QApplication>
#include <QComboBox>
#include <QSet>
#include <QSignalSpy>
#include <QTableWidget>
#include <QtTest>

#include <cmath>

using nac::app::EvalMethod;
using nac::app::EvaluatedSet;
using nac::app::EvaluatedSetImages;
using nac::app::EvaluationResults;
using nac::app::EvaluationSetRequest;
using nac::app::SetRole;
using nac::app::WorkbenchPanel;

namespace {

// A set whose four methods' scores are the given values shifted per method (so each method differs).
EvaluatedSet makeSet(const QString& name, SetRole role, const std::vector<double>& scores)
{
    EvaluatedSet set;
    set.name = name;
    set.spec = QStringLiteral("/data/") + name;
    set.role = role;
    auto images = std::make_shared<EvaluatedSetImages>();
    for (std::size_t i = 0; i < scores.size(); ++i) {
        images->sources.append(QStringLiteral("/data/%1#%2").arg(name).arg(i));
        images->predicted.push_back(int(i % 3));
        images->labels.push_back(-1);
        images->baselines.msp.push_back(scores[i] * 0.5);
        images->baselines.maxLogit.push_back(scores[i] * 10.0);
        images->baselines.energy.push_back(scores[(i + 1) % scores.size()]);
    }
    set.images = images;
    set.nacScores = scores;
    return set;
}

std::shared_ptr<EvaluationResults> makeResults()
{
    auto results = std::make_shared<EvaluationResults>();
    results->generation = 7;
    results->sets.push_back(makeSet(QStringLiteral("fashion"), SetRole::InD, {0.50, 0.52, 0.55, 0.49, 0.53}));
    results->sets.push_back(makeSet(QStringLiteral("mnist"), SetRole::Ood, {0.41, 0.47, 0.43, 0.51}));
    results->sets.push_back(makeSet(QStringLiteral("noise-gaussian"), SetRole::Ood, {0.40, 0.42, 0.44}));
    const EvaluatedSet& ind = results->sets[0];
    results->indDescription = ind.name;
    results->indCount = std::int64_t(ind.nacScores.size());
    for (int m = 0; m < nac::app::kEvalMethodCount; ++m)
        results->indScores[m] = *ind.scores(EvalMethod(m));
    results->threshold = nac::engine::thresholdKeepingInd(ind.nacScores, 0.95);
    for (std::size_t s = 1; s < results->sets.size(); ++s)
        for (int m = 0; m < nac::app::kEvalMethodCount; ++m)
            results->sets[s].metrics.push_back(
                nac::engine::computeOodMetrics(results->indScores[m], *results->sets[s].scores(EvalMethod(m))));
    return results;
}

}  // namespace

class TestWorkbenchPanel : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void initTestCase() { nac::app::registerEvaluationMetaTypes(); }

    void addSetNamesFromTheSpec_data()
    {
        QTest::addColumn<QString>("spec");
        QTest::addColumn<QString>("name");
        QTest::newRow("bundled IDX") << QStringLiteral("/x/ood/mnist-images-idx3-ubyte.gz") << QStringLiteral("mnist");
        QTest::newRow("transform and range") << QStringLiteral("invert:/d/t10k-images-idx3-ubyte.gz@0-999")
                                             << QStringLiteral("invert-t10k@0-999");
        QTest::newRow("noise") << QStringLiteral("noise:gaussian:500:seed=3") << QStringLiteral("noise-gaussian");
        QTest::newRow("folder") << QStringLiteral("/home/me/textures/") << QStringLiteral("textures");
        QTest::newRow("rot90 folder") << QStringLiteral("rot90:/home/me/shoes") << QStringLiteral("rot90-shoes");
    }

    void addSetNamesFromTheSpec()
    {
        QFETCH(QString, spec);
        QFETCH(QString, name);
        WorkbenchPanel panel;
        QSignalSpy requested(&panel, &WorkbenchPanel::evaluateRequested);
        QCOMPARE(panel.addSet(spec, SetRole::Ood), name);
        QCOMPARE(requested.count(), 1);
        const auto requests = requested.first().first().value<QList<EvaluationSetRequest>>();
        QCOMPARE(requests.size(), 1);
        QCOMPARE(requests[0].spec, spec);
        QCOMPARE(requests[0].name, name);
        // The same spec again gets a fresh name while the first is still pending.
        QCOMPARE(panel.addSet(spec, SetRole::Ood), name + QStringLiteral("-2"));
        QCOMPARE(panel.setsTable()->rowCount(), 2);
        QCOMPARE(panel.addSet(QStringLiteral("  "), SetRole::Ood), QString());  // nothing to evaluate
        QCOMPARE(requested.count(), 2);
    }

    // A narrow Evaluation dock (a 1024 px window, or beside the teaching steps) puts its buttons
    // in two columns instead of clipping them; a wide one keeps them in one row. The panel's
    // minimum width is that of two columns.
    void buttonsWrapWhenNarrow()
    {
        WorkbenchPanel panel;
        auto* box = panel.findChild<QWidget*>(QStringLiteral("workbenchButtons"));
        QVERIFY(box);
        QList<QAbstractButton*> buttons;
        for (QAbstractButton* button : box->findChildren<QAbstractButton*>())
            if (!button->isHidden())
                buttons.append(button);
        QCOMPARE(buttons.size(), 4);  // Add OOD Set, Add InD Test Set, Bundled OOD Sets, Remove
        auto rows = [&] {
            QSet<int> tops;
            for (QAbstractButton* button : buttons)
                tops.insert(button->geometry().top());
            return tops.size();
        };
        panel.resize(900, 600);
        panel.show();
        QVERIFY(QTest::qWaitForWindowExposed(&panel));
        QTRY_COMPARE(rows(), 1);
        QVERIFY(panel.minimumSizeHint().width() < 330);
        panel.resize(panel.minimumSizeHint().width(), 600);
        QTRY_COMPARE(rows(), 2);
        for (QAbstractButton* button : buttons)  // none clipped
            QVERIFY2(box->rect().contains(button->geometry()), qPrintable(button->text()));
        panel.resize(900, 600);
        QTRY_COMPARE(rows(), 1);
    }

    void metricsTableIsNacEvalsTable()
    {
        WorkbenchPanel panel;
        const auto results = makeResults();
        QSignalSpy shown(&panel, &WorkbenchPanel::resultsShown);
        panel.setResults(results);
        QCOMPARE(shown.count(), 1);
        QCOMPARE(shown.first().first().toInt(), 7);
        QTableWidget* table = panel.metricsTable();
        // 2 OOD sets x 4 methods + 4 averages; the InD set has no rows.
        QCOMPARE(table->rowCount(), 12);
        for (int s = 1; s <= 2; ++s) {
            const EvaluatedSet& set = results->sets[std::size_t(s)];
            for (int m = 0; m < nac::app::kEvalMethodCount; ++m) {
                const nac::engine::OodMetrics& expected = set.metrics[std::size_t(m)];
                QCOMPARE(panel.metric(set.name, EvalMethod(m), WorkbenchPanel::AurocColumn), expected.auroc);
                QCOMPARE(panel.metric(set.name, EvalMethod(m), WorkbenchPanel::FprColumn), expected.fprAt95Tpr);
                QCOMPARE(panel.metric(set.name, EvalMethod(m), WorkbenchPanel::AuprInColumn), expected.auprIn);
                QCOMPARE(panel.metric(set.name, EvalMethod(m), WorkbenchPanel::AuprOutColumn), expected.auprOut);
            }
        }
        // Printed as nac eval prints them: percent with two decimals.
        const int row = 0;
        QCOMPARE(table->item(row, WorkbenchPanel::SetColumn)->text(), QStringLiteral("mnist"));
        QCOMPARE(table->item(row, WorkbenchPanel::MethodColumn)->text(), QStringLiteral("NAC-UE"));
        QCOMPARE(table->item(row, WorkbenchPanel::AurocColumn)->text(),
                 QString::number(100.0 * results->sets[1].metrics[0].auroc, 'f', 2));
        const double average = 0.5 * (results->sets[1].metrics[2].auroc + results->sets[2].metrics[2].auroc);
        QCOMPARE(panel.metric(QStringLiteral("average"), EvalMethod::MaxLogit, WorkbenchPanel::AurocColumn), average);
        QVERIFY(std::isnan(panel.metric(QStringLiteral("fashion"), EvalMethod::NacUe, WorkbenchPanel::AurocColumn)));
        QVERIFY2(panel.statusText().contains(QStringLiteral("fashion (5 images)")), qPrintable(panel.statusText()));
        // The per-image accessor lists every image of every set.
        const auto images = results->images();
        QCOMPARE(images.size(), std::size_t(12));
        QCOMPARE(images[5].setName, QStringLiteral("mnist"));
        QCOMPARE(images[5].score, 0.41);
        QCOMPARE(images[5].predictedClass, 0);
    }

    void plotsFollowTheMethodAndZoomToTheData()
    {
        WorkbenchPanel panel;
        panel.resize(700, 600);
        panel.show();
        QVERIFY(QTest::qWaitForWindowExposed(&panel));
        panel.setResults(makeResults());
        // Drawn when shown: the metrics are in front.
        QCOMPARE(panel.rocView()->curveCount(), 0);
        panel.tabs()->setCurrentIndex(1);
        QCOMPARE(panel.rocView()->curveCount(), 2);
        QVERIFY2(panel.rocView()->legendTexts().first().startsWith(QStringLiteral("mnist (AUROC ")),
                 qPrintable(panel.rocView()->legendTexts().join(QLatin1Char('|'))));
        // Densities: the InD side and each OOD set; the axis shows 0.40-0.55, not 0..1.
        QCOMPARE(panel.distributionView()->curveCount(), 3);
        QVERIFY(panel.distributionView()->xLower() > 0.35 && panel.distributionView()->xUpper() < 0.6);
        QVERIFY(panel.distributionView()->markerVisible());  // the 95% threshold, for NAC-UE
        panel.methodBox()->setCurrentIndex(int(EvalMethod::MaxLogit));
        QVERIFY(!panel.distributionView()->markerVisible());
        QVERIFY(panel.distributionView()->xUpper() > 5.0);  // MaxLogit = 10 x score
    }

    void deleteAndRoleChangeAskTheEngine()
    {
        WorkbenchPanel panel;
        panel.resize(700, 600);
        panel.show();
        QVERIFY(QTest::qWaitForWindowExposed(&panel));
        panel.setResults(makeResults());
        QSignalSpy removed(&panel, &WorkbenchPanel::removeRequested);
        QSignalSpy role(&panel, &WorkbenchPanel::roleChangeRequested);
        panel.setsTable()->setFocus();
        panel.setsTable()->selectRow(1);
        QTest::keyClick(panel.setsTable(), Qt::Key_Delete);
        QCOMPARE(removed.count(), 1);
        QCOMPARE(removed.first().first().toString(), QStringLiteral("mnist"));
        auto* box = qobject_cast<QComboBox*>(panel.setsTable()->cellWidget(2, 1));
        QVERIFY(box);
        box->setCurrentIndex(0);
        QCOMPARE(role.count(), 1);
        QCOMPARE(role.first().at(0).toString(), QStringLiteral("noise-gaussian"));
        QCOMPARE(role.first().at(1).value<SetRole>(), SetRole::InD);
        // New results do not echo back as role requests.
        panel.setResults(makeResults());
        QCOMPARE(role.count(), 1);
    }

    void emptyAndStaleStatesExplainThemselves()
    {
        WorkbenchPanel panel;
        QVERIFY(panel.statusText().contains(QStringLiteral("Add OOD sets")));
        auto results = makeResults();
        results->sets[2].problem = QStringLiteral("scored for other layers than the profile's; evaluate it again");
        results->sets[2].metrics.clear();
        panel.setResults(results);
        QCOMPARE(panel.metricsTable()->rowCount(), 4);  // one OOD set left: no averages
        QVERIFY(panel.setsTable()->item(2, 4)->text().contains(QStringLiteral("evaluate it again")));
        auto none = std::make_shared<EvaluationResults>();
        none->sets.push_back(makeSet(QStringLiteral("mnist"), SetRole::Ood, {0.4, 0.5}));
        panel.setResults(none);
        QVERIFY2(panel.statusText().contains(QStringLiteral("No InD side")), qPrintable(panel.statusText()));
        QCOMPARE(panel.metricsTable()->rowCount(), 0);
    }
};

QTEST_MAIN(TestWorkbenchPanel)
#include "tst_workbench_panel.moc"
