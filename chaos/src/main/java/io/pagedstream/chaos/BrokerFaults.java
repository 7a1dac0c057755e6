package io.pagedstream.chaos;

import io.pagedstream.schemas.KafkaClientSettings;
import io.pagedstream.schemas.KafkaSettings;
import io.pagedstream.schemas.TopicSpec;
import io.pagedstream.schemas.Topics;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.admin.TransactionDescription;
import org.apache.kafka.clients.admin.TransactionListing;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartitionInfo;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Broker deaths on a replicated cluster, one at a time, as in production:
 *
 * <pre>
 *   every S seconds, once every partition is fully in sync again:
 *     SIGKILL the broker that leads the most pipeline partitions (odd kills)
 *             or is the transaction coordinator of the most transactional ids (even kills)
 *   DOWNTIME later: start it again on its data; it recovers its logs and catches up
 * </pre>
 *
 * The downtime is longer than the brokers' session timeout (9 s), so the controller fences the dead
 * broker and moves its leaderships and coordinators to the others while producers, Streams tasks
 * and consumers keep going, rather than the broker coming back before anyone noticed. Waiting for
 * full ISR before the next kill keeps every partition at two or more live in-sync copies: with
 * {@code min.insync.replicas=2} and unclean election off, killing the last in-sync replica would
 * make a partition unavailable until it returns, which is an outage, not a failover.
 */
final class BrokerFaults implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(BrokerFaults.class);
  static final Duration DOWNTIME = Duration.ofSeconds(12);
  private static final Duration RESTART_TIMEOUT = Duration.ofMinutes(3);
  private static final long ADMIN_TIMEOUT_S = 10;

  private final ChaosCluster cluster;
  private final Duration every;
  private final Admin admin;
  private long nextKillAt;
  private Integer down;
  private long restartAt;
  private Integer starting;
  // written by the fault thread, read by the progress lines
  private volatile int kills;
  private volatile int restarts;
  private final List<String> history = java.util.Collections.synchronizedList(new ArrayList<>());

  BrokerFaults(ChaosCluster cluster, Duration every) {
    this.cluster = cluster;
    this.every = every;
    this.nextKillAt = System.nanoTime() + every.toNanos();
    KafkaSettings kafka = cluster.kafka();
    this.admin =
        Admin.create(
            KafkaClientSettings.admin(kafka, "chaos-broker-faults")
                .with("request.timeout.ms", 8_000)
                .with("default.api.timeout.ms", 10_000)
                .build());
  }

  /** Kills or restarts a broker when it is time; cheap when it is not. */
  void step() {
    long now = System.nanoTime();
    if (down != null && now >= restartAt) {
      LOG.info("chaos: starting broker {} again", down);
      cluster.launchBroker(down);
      starting = down;
      down = null;
    }
    if (starting != null && cluster.brokerRunning(starting)) {
      restarts++;
      starting = null;
    }
    if (down == null && starting == null && now >= nextKillAt && inSync()) {
      Victim v = chooseVictim(kills % 2 == 1);
      LOG.info("chaos: killing broker {} ({})", v.id(), v.why());
      cluster.killBroker(v.id());
      kills++;
      history.add("broker " + v.id() + " (" + v.why() + ")");
      down = v.id();
      restartAt = System.nanoTime() + DOWNTIME.toNanos();
      nextKillAt = System.nanoTime() + every.toNanos();
    }
  }

  int kills() {
    return kills;
  }

  /** Kills after which the broker came back and serves again. */
  int restarts() {
    return restarts;
  }

  List<String> history() {
    synchronized (history) {
      return List.copyOf(history);
    }
  }

  /** Brings a broker that is down back, and waits until every broker serves. */
  void finish() {
    if (down != null) {
      cluster.launchBroker(down);
      starting = down;
      down = null;
    }
    if (starting != null) {
      cluster.awaitBroker(starting, RESTART_TIMEOUT);
      restarts++;
      starting = null;
    }
  }

  private record Victim(int id, String why) {}

  /**
   * The broker whose death moves the most: leaderships of pipeline partitions, or transaction
   * coordination.
   */
  private Victim chooseVictim(boolean coordinator) {
    List<Integer> ids = cluster.brokerIds();
    if (coordinator) {
      Map<Integer, Integer> coordinated = transactionsByCoordinator();
      if (!coordinated.isEmpty()) {
        Map.Entry<Integer, Integer> top = top(coordinated);
        return new Victim(
            top.getKey(),
            String.format(
                Locale.ROOT,
                "transaction coordinator of %d of %d transactional ids",
                top.getValue(),
                coordinated.values().stream().mapToInt(Integer::intValue).sum()));
      }
    }
    Map<Integer, Integer> led = leadersOfPipelinePartitions();
    if (led.isEmpty()) {
      return new Victim(ids.get(0), "no leader known");
    }
    Map.Entry<Integer, Integer> top = top(led);
    return new Victim(
        top.getKey(),
        String.format(
            Locale.ROOT,
            "leader of %d of %d pipeline partitions",
            top.getValue(),
            led.values().stream().mapToInt(Integer::intValue).sum()));
  }

  private static Map.Entry<Integer, Integer> top(Map<Integer, Integer> counts) {
    return counts.entrySet().stream().max(Map.Entry.comparingByValue()).orElseThrow();
  }

  private Map<Integer, Integer> leadersOfPipelinePartitions() {
    Map<Integer, Integer> led = new HashMap<>();
    for (TopicDescription t :
        describe(Topics.ALL.stream().map(TopicSpec::name).toList()).values()) {
      for (TopicPartitionInfo p : t.partitions()) {
        if (p.leader() != null) {
          led.merge(p.leader().id(), 1, Integer::sum);
        }
      }
    }
    return led;
  }

  private Map<Integer, Integer> transactionsByCoordinator() {
    Map<Integer, Integer> coordinated = new HashMap<>();
    try {
      // every transactional producer of the run (processors, the batcher's Streams tasks, ingest):
      // a transaction open at this instant is a matter of milliseconds, its coordinator is not
      List<String> ids =
          admin.listTransactions().all().get(ADMIN_TIMEOUT_S, TimeUnit.SECONDS).stream()
              .map(TransactionListing::transactionalId)
              .toList();
      if (ids.isEmpty()) {
        return coordinated;
      }
      for (TransactionDescription d :
          admin.describeTransactions(ids).all().get(ADMIN_TIMEOUT_S, TimeUnit.SECONDS).values()) {
        coordinated.merge(d.coordinatorId(), 1, Integer::sum);
      }
    } catch (ExecutionException | TimeoutException | KafkaException e) {
      LOG.info(
          "chaos: cannot list the transactions now ({}); choosing by partition leaders",
          e.toString());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    return coordinated;
  }

  /**
   * True when every partition of the pipeline and of Kafka's own topics has all its replicas in
   * sync.
   */
  private boolean inSync() {
    List<String> names = new ArrayList<>(Topics.ALL.stream().map(TopicSpec::name).toList());
    names.addAll(List.of("__consumer_offsets", "__transaction_state"));
    Map<String, TopicDescription> all = describe(names);
    if (all.isEmpty()) {
      return false;
    }
    return all.values().stream()
        .flatMap(t -> t.partitions().stream())
        .allMatch(p -> p.leader() != null && p.isr().size() == p.replicas().size());
  }

  private Map<String, TopicDescription> describe(List<String> topics) {
    Map<String, TopicDescription> found = new HashMap<>();
    admin
        .describeTopics(topics)
        .topicNameValues()
        .forEach(
            (name, future) -> {
              try {
                found.put(name, future.get(ADMIN_TIMEOUT_S, TimeUnit.SECONDS));
              } catch (ExecutionException | TimeoutException | KafkaException e) {
                // not there (yet) or the cluster is busy: judged on the others
              } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
              }
            });
    return found;
  }

  @Override
  public void close() {
    admin.close(Duration.ofSeconds(5));
  }
}
