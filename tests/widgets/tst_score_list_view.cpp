// Tests of ScoreListView: verdicts follow the threshold, rescoring by sample index, selection, CSV export.
#include "widgets/score_list_model.h"
#include "widgets/score_list_view.h"

#include <QSignalSpy>
#include <QSortFilterProxyModel>
#include <QTableView>
#include <QTemporaryDir>
#include <QtTest>

using nac::widgets::ScoredImageRow;
using nac::widgets::ScoreListModel;
using nac::widgets::ScoreListView;

namespace {

ScoredImageRow scored(const QString& name, int sample, double score, std::vector<double> layers)
{
    ScoredImageRow row;
    row.thumbnail = QImage(28, 28, QImage::Format_Grayscale8);
    row.thumbnail.fill(128);
    row.name = name;
    row.source = QStringLiteral("/data/") + name;
    row.sampleIndex = sample;
    row.predictedClass = 3;
    row.predictedLabel = QStringLiteral("Dress");
    row.probability = 0.875;
    row.score = score;
    row.layerScores = std::move(layers);
    return row;
}

ScoredImageRow failedRow(const QString& name, const QString& notice)
{
    ScoredImageRow row;
    row.name = name;
    row.source = QStringLiteral("/data/") + name;
    row.failed = true;
    row.notice = notice;
    return row;
}

void fill(ScoreListView& view)
{
    view.setLayerNames({QStringLiteral("avgpool"), QStringLiteral("layer3")});
    view.addResult(scored(QStringLiteral("shoe.png"), 0, 0.9, {0.95, 0.85}));
    view.addResult(scored(QStringLiteral("cat, grey.png"), 1, 0.4, {0.5, 0.3}));
    view.addResult(failedRow(QStringLiteral("notes.txt"), QStringLiteral("not an image: unknown file format")));
}

}  // namespace

class TestScoreListView : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void verdictFlipsWithTheThreshold();
    void noThresholdMeansNoVerdict();
    void updateScoresGoesBySampleIndex();
    void selectionEmitsTheAddedRowNumber();
    void showsPredictionAndBars();
    void failedRowSaysWhyInTheVerdict();
    void layerReferenceMarksFlaggingLayers();
    void rocRoleTogglesAndDeleteRemoves();
    void exportCsvWritesEveryRow();
    void exportCsvToABadPathFails();
};

void TestScoreListView::verdictFlipsWithTheThreshold()
{
    ScoreListView view;
    fill(view);
    view.setThreshold(0.5);
    QCOMPARE(view.verdictText(0), QStringLiteral("InD"));
    QCOMPARE(view.verdictText(1), QStringLiteral("OOD"));
    QCOMPARE(view.verdictText(2), QString());  // failed: no verdict
    view.setThreshold(0.3);
    QCOMPARE(view.verdictText(1), QStringLiteral("InD"));
    view.setThreshold(0.4);  // a score equal to the threshold is kept (only below is OOD)
    QCOMPARE(view.verdictText(1), QStringLiteral("InD"));
    view.setThreshold(0.95);
    QCOMPARE(view.verdictText(0), QStringLiteral("OOD"));
    const QModelIndex verdict = view.model()->index(0, ScoreListModel::VerdictColumn);
    QCOMPARE(verdict.data().toString(), QStringLiteral("OOD"));
}

void TestScoreListView::noThresholdMeansNoVerdict()
{
    ScoreListView view;
    fill(view);
    QVERIFY(std::isnan(view.threshold()));
    QCOMPARE(view.verdictText(0), QString());
}

void TestScoreListView::updateScoresGoesBySampleIndex()
{
    ScoreListView view;
    fill(view);
    view.setThreshold(0.5);
    nac::engine::ScoreTable scores;
    scores.total = {0.2, 0.8};
    scores.perLayer = {{0.1, 0.7}, {0.3, 0.9}};
    view.updateScores(scores);
    QCOMPARE(view.row(0).score, 0.2);
    QCOMPARE(view.row(0).layerScores, (std::vector<double>{0.1, 0.3}));
    QCOMPARE(view.row(1).score, 0.8);
    QCOMPARE(view.row(1).layerScores, (std::vector<double>{0.7, 0.9}));
    QVERIFY(std::isnan(view.row(2).score));
    QCOMPARE(view.verdictText(0), QStringLiteral("OOD"));
    QCOMPARE(view.verdictText(1), QStringLiteral("InD"));
}

void TestScoreListView::selectionEmitsTheAddedRowNumber()
{
    ScoreListView view;
    fill(view);
    QSignalSpy selected(&view, &ScoreListView::selectionChanged);
    view.setCurrentRow(1);
    QCOMPARE(selected.count(), 1);
    QCOMPARE(selected.at(0).at(0).toInt(), 1);
    // Sorted by score (descending), the table shows shoe, cat, notes; a click on the first table
    // row is still the row added first.
    view.tableView()->sortByColumn(ScoreListModel::ScoreColumn, Qt::DescendingOrder);
    auto* proxy = qobject_cast<QSortFilterProxyModel*>(view.tableView()->model());
    QVERIFY(proxy);
    QCOMPARE(proxy->index(0, ScoreListModel::NameColumn).data().toString(), QStringLiteral("shoe.png"));
    view.tableView()->selectionModel()->setCurrentIndex(proxy->index(0, ScoreListModel::NameColumn),
                                                        QItemSelectionModel::ClearAndSelect | QItemSelectionModel::Rows);
    QCOMPARE(selected.last().at(0).toInt(), 0);
    QCOMPARE(view.currentRow(), 0);
    view.setCurrentRow(-1);
    QCOMPARE(selected.last().at(0).toInt(), -1);
}

void TestScoreListView::showsPredictionAndBars()
{
    ScoreListView view;
    fill(view);
    ScoreListModel* model = view.model();
    QCOMPARE(model->index(0, ScoreListModel::PredictionColumn).data().toString(), QStringLiteral("Dress (87.5%)"));
    QCOMPARE(model->index(2, ScoreListModel::NoticeColumn).data().toString(), QStringLiteral("not an image: unknown file format"));
    QVERIFY(!model->index(0, ScoreListModel::ThumbnailColumn).data(Qt::DecorationRole).value<QImage>().isNull());
    const QList<double> bars = model->index(1, ScoreListModel::LayersColumn).data(ScoreListModel::kLayerScoresRole).value<QList<double>>();
    QCOMPARE(bars, (QList<double>{0.5, 0.3}));
    QVERIFY(model->index(1, ScoreListModel::LayersColumn).data(Qt::ToolTipRole).toString().contains(QStringLiteral("layer3: 0.300")));
    // Painting the delegate offscreen must not crash.
    view.resize(800, 300);
    view.show();
    QVERIFY(QTest::qWaitForWindowExposed(&view));
    QVERIFY(!view.grab().isNull());
}

void TestScoreListView::failedRowSaysWhyInTheVerdict()
{
    ScoreListView view;
    fill(view);
    view.setThreshold(0.5);
    const QString verdict = view.model()->index(2, ScoreListModel::VerdictColumn).data().toString();
    QVERIFY2(verdict.contains(QStringLiteral("unknown file format")), qPrintable(verdict));
    QCOMPARE(view.verdictText(2), QString());  // no InD/OOD verdict for it
    QVERIFY(!view.model()->index(2, ScoreListModel::RocRoleColumn).data(Qt::CheckStateRole).isValid());
}

void TestScoreListView::layerReferenceMarksFlaggingLayers()
{
    ScoreListView view;
    fill(view);
    ScoreListModel* model = view.model();
    QVERIFY(model->index(1, ScoreListModel::LayersColumn).data(ScoreListModel::kLayerReferenceRole).value<QList<double>>().isEmpty());
    view.setLayerReference({0.6, 0.2});
    QCOMPARE(model->index(1, ScoreListModel::LayersColumn).data(ScoreListModel::kLayerReferenceRole).value<QList<double>>(),
             (QList<double>{0.6, 0.2}));
    // "cat" scores 0.5 in avgpool (below its 0.6 reference) and 0.3 in layer3 (above 0.2): avgpool flags it.
    const QString tip = model->index(1, ScoreListModel::LayersColumn).data(Qt::ToolTipRole).toString();
    const QStringList lines = tip.split(QLatin1Char('\n'));
    QCOMPARE(lines.size(), 3);
    QVERIFY2(lines[1].startsWith(QStringLiteral("avgpool")) && lines[1].contains(QStringLiteral("below")), qPrintable(tip));
    QVERIFY2(!lines[2].contains(QStringLiteral("below")), qPrintable(tip));
    view.resize(800, 300);
    view.show();
    QVERIFY(QTest::qWaitForWindowExposed(&view));
    QVERIFY(!view.grab().isNull());
}

void TestScoreListView::rocRoleTogglesAndDeleteRemoves()
{
    ScoreListView view;
    fill(view);
    QSignalSpy roles(&view, &ScoreListView::rocRolesChanged);
    QSignalSpy removed(&view, &ScoreListView::rowRemoved);
    ScoreListModel* model = view.model();
    QCOMPARE(model->index(0, ScoreListModel::RocRoleColumn).data().toString(), QStringLiteral("OOD"));
    QVERIFY(model->flags(model->index(0, ScoreListModel::RocRoleColumn)) & Qt::ItemIsUserCheckable);
    QVERIFY(model->setData(model->index(0, ScoreListModel::RocRoleColumn), Qt::Checked, Qt::CheckStateRole));
    QVERIFY(view.row(0).countsAsInd);
    QCOMPARE(model->index(0, ScoreListModel::RocRoleColumn).data().toString(), QStringLiteral("InD"));
    QCOMPARE(roles.count(), 1);
    // Delete removes the selected row.
    view.resize(800, 300);
    view.show();
    QVERIFY(QTest::qWaitForWindowExposed(&view));
    view.setCurrentRow(1);
    view.tableView()->setFocus();
    QTest::keyClick(view.tableView(), Qt::Key_Delete);
    QCOMPARE(removed.count(), 1);
    QCOMPARE(removed.last().at(0).toInt(), 1);
    QCOMPARE(view.rowCount(), 2);
    QCOMPARE(view.row(1).name, QStringLiteral("notes.txt"));
}

void TestScoreListView::exportCsvWritesEveryRow()
{
    ScoreListView view;
    fill(view);
    view.setThreshold(0.5);
    QTemporaryDir folder;
    QVERIFY(folder.isValid());
    const QString path = folder.filePath(QStringLiteral("scores.csv"));
    QString error;
    QVERIFY2(view.exportCsv(path, &error), qPrintable(error));
    QFile file(path);
    QVERIFY(file.open(QIODevice::ReadOnly));
    const QStringList lines = QString::fromUtf8(file.readAll()).split(QLatin1Char('\n'), Qt::SkipEmptyParts);
    QCOMPARE(lines.size(), 4);
    QCOMPARE(lines[0], QStringLiteral("name,source,predicted_class,predicted_label,probability,nac_ue_score,threshold,verdict,"
                                      "score_avgpool,score_layer3,notice"));
    QCOMPARE(lines[1], QStringLiteral("shoe.png,/data/shoe.png,3,Dress,0.875,0.9,0.5,InD,0.95,0.85,"));
    QCOMPARE(lines[2], QStringLiteral("\"cat, grey.png\",\"/data/cat, grey.png\",3,Dress,0.875,0.4,0.5,OOD,0.5,0.3,"));
    QCOMPARE(lines[3], QStringLiteral("notes.txt,/data/notes.txt,,,,,0.5,,,,not an image: unknown file format"));
}

void TestScoreListView::exportCsvToABadPathFails()
{
    ScoreListView view;
    fill(view);
    QString error;
    const QString path = QStringLiteral("/nonexistent-folder-for-nac-tests/scores.csv");
    QVERIFY(!view.exportCsv(path, &error));
    QVERIFY2(error.contains(path), qPrintable(error));
    QVERIFY(!view.exportCsv(QString(), &error));
    QVERIFY(!error.isEmpty());
}

QTEST_MAIN(TestScoreListView)
#include "tst_score_list_view.moc"
