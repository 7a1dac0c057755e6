package io.pagedstream.chaos;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Hurts a {@link ChaosCluster} on a fixed rhythm until stopped, and keeps it supervised between
 * faults. Every tick kills one processor chosen at random (and starts its replacement); with the
 * flags, every second tick also kills and restarts the Connect worker and every third restarts the
 * broker, so that faults sometimes coincide and sometimes not. On a replicated cluster, {@link
 * BrokerFaults} kills brokers on a rhythm of their own, between the other faults.
 */
final class FaultSchedule implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(FaultSchedule.class);
  private static final long SUPERVISE_EVERY_MS = 500;

  private final ChaosCluster cluster;
  private final FaultPlan plan;
  private final Random random;
  private final Thread thread;
  private final AtomicInteger processorKills = new AtomicInteger();
  private final AtomicInteger connectRestarts = new AtomicInteger();
  private final AtomicInteger brokerRestarts = new AtomicInteger();
  private final List<String> serviceRestarts = new ArrayList<>();

  /** Null unless the plan kills brokers. */
  private final BrokerFaults brokerFaults;

  private volatile boolean running = true;
  private volatile Throwable failure;

  private FaultSchedule(ChaosCluster cluster, FaultPlan plan) {
    this.cluster = cluster;
    this.plan = plan;
    this.random = new Random(plan.seed());
    this.brokerFaults =
        plan.killBrokerEvery() == null ? null : new BrokerFaults(cluster, plan.killBrokerEvery());
    this.thread = new Thread(this::run, "chaos-faults");
    this.thread.setDaemon(true);
  }

  static FaultSchedule start(ChaosCluster cluster, FaultPlan plan) {
    FaultSchedule s = new FaultSchedule(cluster, plan);
    s.thread.start();
    return s;
  }

  private void run() {
    long next = System.nanoTime() + plan.every().toNanos();
    int tick = 0;
    try {
      while (running) {
        sleepMillis(SUPERVISE_EVERY_MS);
        List<String> restarted = cluster.supervise();
        synchronized (serviceRestarts) {
          serviceRestarts.addAll(restarted);
        }
        if (running && brokerFaults != null) {
          brokerFaults.step();
        }
        if (!running || System.nanoTime() < next) {
          continue;
        }
        tick++;
        next = System.nanoTime() + plan.every().toNanos();
        int slot = random.nextInt(cluster.processorCount());
        LOG.info("chaos tick {}: killing processor slot {}", tick, slot);
        cluster.killProcessor(slot);
        processorKills.incrementAndGet();
        if (plan.restartConnect() && tick % 2 == 0) {
          LOG.info("chaos tick {}: killing the Connect worker", tick);
          cluster.killAndRestartConnect();
          connectRestarts.incrementAndGet();
        }
        if (plan.restartBroker() && tick % 3 == 0) {
          LOG.info("chaos tick {}: restarting the broker", tick);
          cluster.restartBroker();
          brokerRestarts.incrementAndGet();
        }
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (RuntimeException | Error e) {
      // a fault the harness itself could not carry out: the run cannot go on as planned
      failure = e;
      LOG.error("the fault schedule stopped: {}", e.toString(), e);
    }
  }

  /** Null while the schedule runs as planned, else why it stopped. */
  Throwable failure() {
    return failure;
  }

  FaultTally tally() {
    synchronized (serviceRestarts) {
      return new FaultTally(
          processorKills.get(),
          connectRestarts.get(),
          brokerRestarts.get(),
          brokerFaults == null ? 0 : brokerFaults.kills(),
          brokerFaults == null ? 0 : brokerFaults.restarts(),
          brokerFaults == null ? List.of() : brokerFaults.history(),
          List.copyOf(serviceRestarts));
    }
  }

  private void sleepMillis(long ms) throws InterruptedException {
    long until = System.currentTimeMillis() + ms;
    while (running && System.currentTimeMillis() < until) {
      Thread.sleep(Math.min(50, ms));
    }
  }

  /**
   * Stops injecting faults; waits for one under way to finish and for a killed broker to serve
   * again.
   */
  @Override
  public void close() {
    running = false;
    try {
      thread.join(Duration.ofMinutes(3).toMillis());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    if (brokerFaults != null) {
      try {
        brokerFaults.finish();
      } catch (RuntimeException e) {
        if (failure == null) {
          failure = e;
        }
        LOG.error("a killed broker did not come back: {}", e.toString(), e);
      } finally {
        brokerFaults.close();
      }
    }
  }
}
