// Tests for --shard K/N: parsing, the contiguous partition, and shards of a fit plan.
#include "engine/data/shard.h"
#include "engine/error.h"

#include <QtTest/QtTest>

#include <numeric>

using namespace nac::engine;

class TestShard : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void parse_data();
    void parse();
    void partitionCoversEveryPositionOnce();
    void blocksAreWorkedOutByHand();
    void fitPlanShardsConcatenateToThePlan();
    void fitPlanRefusesMoreShardsThanImages();
};

void TestShard::parse_data()
{
    QTest::addColumn<QString>("text");
    QTest::addColumn<bool>("valid");
    QTest::addColumn<int>("index");
    QTest::addColumn<int>("count");
    QTest::addColumn<QString>("messagePart");

    QTest::newRow("first of four") << "0/4" << true << 0 << 4 << "";
    QTest::newRow("last of four") << "3/4" << true << 3 << 4 << "";
    QTest::newRow("one shard") << "0/1" << true << 0 << 1 << "";
    QTest::newRow("leading zeros") << "007/010" << true << 7 << 10 << "";
    QTest::newRow("largest") << "99999/100000" << true << 99999 << 100000 << "";
    QTest::newRow("K equals N") << "4/4" << false << 0 << 0 << "below N";
    QTest::newRow("K above N") << "9/4" << false << 0 << 0 << "below N";
    QTest::newRow("no shards") << "0/0" << false << 0 << 0 << "at least 1";
    QTest::newRow("too many shards") << "0/100001" << false << 0 << 0 << "at most 100000";
    QTest::newRow("overflowing N") << "0/99999999999999999999999" << false << 0 << 0 << "at most 100000";
    QTest::newRow("overflowing K") << "99999999999999999999999/4" << false << 0 << 0 << "below N";
    QTest::newRow("no slash") << "3" << false << 0 << 0 << "is not K/N";
    QTest::newRow("empty") << "" << false << 0 << 0 << "is not K/N";
    QTest::newRow("empty K") << "/4" << false << 0 << 0 << "whole numbers";
    QTest::newRow("empty N") << "1/" << false << 0 << 0 << "whole numbers";
    QTest::newRow("negative K") << "-1/4" << false << 0 << 0 << "whole numbers";
    QTest::newRow("plus sign") << "+1/4" << false << 0 << 0 << "whole numbers";
    QTest::newRow("fraction") << "1.5/4" << false << 0 << 0 << "whole numbers";
    QTest::newRow("two slashes") << "1/2/4" << false << 0 << 0 << "whole numbers";
    QTest::newRow("spaces") << "1 / 4" << false << 0 << 0 << "whole numbers";
    QTest::newRow("one-based Slurm style") << "1-4" << false << 0 << 0 << "is not K/N";
}

void TestShard::parse()
{
    QFETCH(QString, text);
    QFETCH(bool, valid);
    QFETCH(int, index);
    QFETCH(int, count);
    QFETCH(QString, messagePart);
    try {
        const Shard shard = parseShard(text.toStdString());
        QVERIFY2(valid, "an invalid shard was accepted");
        QCOMPARE(shard.index, std::size_t(index));
        QCOMPARE(shard.count, std::size_t(count));
        QCOMPARE(QString::fromStdString(toString(shard)), QString::number(index) + u'/' + QString::number(count));
    } catch (const Error& e) {
        QVERIFY2(!valid, e.what());
        QCOMPARE(e.kind(), ErrorKind::BadInput);
        const QString message = QString::fromStdString(e.what());
        QVERIFY2(message.contains(messagePart), qPrintable(message));
        QVERIFY2(message.contains(u'\'' + text + u'\''), qPrintable(message));  // names the value given
    }
}

void TestShard::partitionCoversEveryPositionOnce()
{
    for (std::size_t total : {1u, 2u, 3u, 7u, 10u, 64u, 999u, 1000u, 1001u}) {
        for (std::size_t count = 1; count <= std::min<std::size_t>(total, 17); ++count) {
            std::size_t next = 0;
            std::size_t smallest = total;
            std::size_t largest = 0;
            for (std::size_t k = 0; k < count; ++k) {
                const ShardRange range = shardRange(total, Shard{k, count});
                QCOMPARE(range.first, next);  // contiguous, in order
                QVERIFY(range.last >= range.first);
                smallest = std::min(smallest, range.size());
                largest = std::max(largest, range.size());
                next = range.last;
            }
            QCOMPARE(next, total);
            QVERIFY2(largest - smallest <= 1, qPrintable(QStringLiteral("%1 images in %2 shards").arg(total).arg(count)));
            QVERIFY(smallest >= 1);
        }
    }
    // More shards than positions: some blocks are empty, still covering everything once.
    std::size_t covered = 0;
    for (std::size_t k = 0; k < 5; ++k)
        covered += shardRange(3, Shard{k, 5}).size();
    QCOMPARE(covered, std::size_t(3));
    // Large totals do not overflow: floor(k * total / N).
    const std::size_t huge = std::size_t(1) << 60;
    QCOMPARE(shardRange(huge, Shard{1, 3}).first, huge / 3);
    QCOMPARE(shardRange(huge, Shard{2, 3}).last, huge);
}

void TestShard::blocksAreWorkedOutByHand()
{
    // 10 images in 4 shards: floor(k * 10 / 4) = 0, 2, 5, 7, 10.
    const std::vector<std::size_t> items{90, 91, 92, 93, 94, 95, 96, 97, 98, 99};
    QCOMPARE(shardOf(items, Shard{0, 4}), (std::vector<std::size_t>{90, 91}));
    QCOMPARE(shardOf(items, Shard{1, 4}), (std::vector<std::size_t>{92, 93, 94}));
    QCOMPARE(shardOf(items, Shard{2, 4}), (std::vector<std::size_t>{95, 96}));
    QCOMPARE(shardOf(items, Shard{3, 4}), (std::vector<std::size_t>{97, 98, 99}));
    QCOMPARE(describeShardBlock(Shard{1, 4}, 10), std::string("2-4 of 10"));
    QCOMPARE(describeShardBlock(Shard{0, 4}, 3), std::string("none of 3"));
}

void TestShard::fitPlanShardsConcatenateToThePlan()
{
    // A plan in class-balanced (not sorted) order: the shards keep that order.
    FitPlan plan;
    plan.fitIndices = {17, 3, 40, 8, 25, 11, 33, 0, 29};
    plan.heldoutIndices = {5, 44, 2};
    plan.notes = {"a note"};
    const std::size_t count = 4;
    std::vector<std::size_t> fit;
    std::vector<std::size_t> heldout;
    for (std::size_t k = 0; k < count; ++k) {
        const FitPlan part = shardFitPlan(plan, Shard{k, count});
        QVERIFY(!part.fitIndices.empty());
        QCOMPARE(part.notes, plan.notes);
        fit.insert(fit.end(), part.fitIndices.begin(), part.fitIndices.end());
        heldout.insert(heldout.end(), part.heldoutIndices.begin(), part.heldoutIndices.end());
    }
    QCOMPARE(fit, plan.fitIndices);
    QCOMPARE(heldout, plan.heldoutIndices);  // 3 held-out images over 4 shards: one shard has none
    QVERIFY(shardFitPlan(plan, Shard{0, 4}).heldoutIndices.empty());
}

void TestShard::fitPlanRefusesMoreShardsThanImages()
{
    FitPlan plan;
    plan.fitIndices = {1, 2, 3};
    try {
        shardFitPlan(plan, Shard{0, 4});
        QFAIL("4 shards of 3 fit images were accepted");
    } catch (const Error& e) {
        QCOMPARE(e.kind(), ErrorKind::BadInput);
        QVERIFY2(QString::fromStdString(e.what()).contains(QStringLiteral("at most 3 shards")), e.what());
    }
    QCOMPARE(shardFitPlan(plan, Shard{2, 3}).fitIndices, (std::vector<std::size_t>{3}));
}

QTEST_APPLESS_MAIN(TestShard)
#include "tst_shard.moc"
