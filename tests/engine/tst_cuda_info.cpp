// CUDA device descriptions from the driver and the one-line out-of-memory message.
#include "engine/cuda_info.h"
#include "engine/model.h"

#include <QtTest/QtTest>

class TestCudaInfo : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void shortenCudaError_data()
    {
        QTest::addColumn<QString>("text");
        QTest::addColumn<QString>("expected");
        // LibTorch 2.x's wording (one line of statistics after the request).
        QTest::newRow("torch 2") << "CUDA out of memory. Tried to allocate 20.00 GiB. GPU 0 has a total capacity of 139.81 GiB "
                                    "of which 1.02 GiB is free. Of the allocated memory 120.3 GiB is allocated by PyTorch"
                                 << "the GPU ran out of memory while allocating 20.00 GiB; use a smaller batch, fewer layers or the CPU";
        // LibTorch 1.13's wording (statistics in parentheses), behind the engine's own prefix.
        QTest::newRow("torch 1.13") << "model m.pt failed on a batch: CUDA out of memory. Tried to allocate 512.00 MiB (GPU 0; "
                                       "15.78 GiB total capacity; 14.2 GiB already allocated)"
                                    << "model m.pt failed on a batch: the GPU ran out of memory while allocating 512.00 MiB; use a smaller batch, fewer layers or the CPU";
        QTest::newRow("no size") << "CUDA out of memory." << "the GPU ran out of memory; use a smaller batch, fewer layers or the CPU";
        QTest::newRow("other CUDA error") << "CUDA error: an illegal memory access was encountered"
                                          << "CUDA error: an illegal memory access was encountered";
        QTest::newRow("cpu error") << "Expected 4-dimensional input" << "Expected 4-dimensional input";
        QTest::newRow("empty") << "" << "";
    }

    void shortenCudaError()
    {
        QFETCH(QString, text);
        QFETCH(QString, expected);
        QCOMPARE(QString::fromStdString(nac::engine::shortenCudaError(text.toStdString())), expected);
    }

    // The driver's names where LibTorch sees CUDA; bare ids (and no crash) where it does not.
    void describesEveryDevice()
    {
        const std::vector<std::string> devices = nac::engine::cudaDevices();
        for (std::size_t i = 0; i < devices.size(); ++i) {
            const std::string text = nac::engine::describeCudaDevice(int(i));
            QVERIFY2(text.rfind(devices[i], 0) == 0, text.c_str());
        }
        const int beyond = int(devices.size());
        QCOMPARE(QString::fromStdString(nac::engine::describeCudaDevice(beyond)), QStringLiteral("cuda:%1").arg(beyond));
        QVERIFY(nac::engine::cudaDeviceInfo(beyond).name.empty());
        QVERIFY(nac::engine::cudaDeviceInfo(-1).name.empty());
        QCOMPARE(nac::engine::cudaDeviceInfo(-1).totalBytes, std::uint64_t(0));
    }
};

QTEST_APPLESS_MAIN(TestCudaInfo)
#include "tst_cuda_info.moc"
