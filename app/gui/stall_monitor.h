// Measures how long the GUI event loop stalls: a 10 ms QTimer whose late ticks are the stalls.
#pragma once

#include <QElapsedTimer>
#include <QTimer>

#include <algorithm>

namespace nac::app {

// Lives on the thread whose event loop it watches (the GUI thread). maxStallMs() is the largest
// delay of a tick beyond its interval since start(): an event that blocked the loop that long.
class StallMonitor {
public:
    explicit StallMonitor(int intervalMs = 10)
        : m_intervalMs(intervalMs)
    {
        m_timer.setTimerType(Qt::PreciseTimer);
        m_timer.setInterval(intervalMs);
        QObject::connect(&m_timer, &QTimer::timeout, [this] { tick(); });
    }

    void start()
    {
        m_maxStallMs = 0.0;
        m_ticks = 0;
        m_clock.start();
        m_lastNs = m_clock.nsecsElapsed();
        m_timer.start();
    }
    void stop() { m_timer.stop(); }
    // Forgets the stalls so far (e.g. after start-up work that is not part of the measurement).
    void reset()
    {
        m_maxStallMs = 0.0;
        m_lastNs = m_clock.nsecsElapsed();
    }
    double maxStallMs() const { return m_maxStallMs; }
    long long ticks() const { return m_ticks; }

private:
    void tick()
    {
        const qint64 now = m_clock.nsecsElapsed();
        const double gapMs = double(now - m_lastNs) / 1e6;
        m_lastNs = now;
        ++m_ticks;
        m_maxStallMs = std::max(m_maxStallMs, gapMs - double(m_intervalMs));
    }

    int m_intervalMs;
    QTimer m_timer;
    QElapsedTimer m_clock;
    qint64 m_lastNs = 0;
    double m_maxStallMs = 0.0;
    long long m_ticks = 0;
};

}  // namespace nac::app
