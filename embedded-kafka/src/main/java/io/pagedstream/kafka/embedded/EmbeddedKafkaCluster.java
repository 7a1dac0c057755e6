package io.pagedstream.kafka.embedded;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.KafkaFuture;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.errors.TopicExistsException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A replicated KRaft cluster on this machine: N brokers and a controller quorum of 1 or 3, each
 * node a JVM of its own so that it can be killed (SIGKILL) and started again on its data, as a
 * crashed broker is in production.
 *
 * <pre>
 *   controllers(3): nodes 1..3 are broker+controller (a quorum that survives one node down),
 *                   nodes 4..N brokers only
 *   controllers(1): node 0 is a controller only (never killed here), nodes 1..N brokers only
 * </pre>
 *
 * <p>Every topic, internal ones included (consumer offsets, transaction state, Streams changelogs
 * created with the broker default), gets {@link #replicationFactor()} replicas and {@link
 * #minInsyncReplicas()}; unclean leader election is off. Ports are chosen free at the start and
 * kept for the cluster's life, so a restarted node has its old address.
 *
 * <pre>{@code
 * try (EmbeddedKafkaCluster kafka = EmbeddedKafkaCluster.builder().brokers(3).controllers(3).start()) {
 *     int victim = kafka.brokerIds().get(0);
 *     kafka.kill(victim);     // leadership moves to the other two
 *     kafka.launch(victim);   // comes back on its own data
 *     kafka.awaitRunning(victim, Duration.ofMinutes(2));
 * }
 * }</pre>
 */
public final class EmbeddedKafkaCluster implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(EmbeddedKafkaCluster.class);
  private static final Duration START_TIMEOUT = Duration.ofMinutes(3);

  private final List<ClusterNode> nodes;
  private final int brokers;
  private final int defaultPartitions;
  private final Map<String, String> extraProperties;
  private final String clusterId = Uuid.randomUuid().toString();
  private final Path home;
  private boolean closed;

  private EmbeddedKafkaCluster(Builder b, Path home) {
    this.brokers = b.brokers;
    this.defaultPartitions = b.defaultPartitions;
    this.extraProperties = Map.copyOf(b.extraProperties);
    this.home = home;
    this.nodes = layout(b.brokers, b.controllers, home);
  }

  public static Builder builder() {
    return new Builder();
  }

  /** Settings of an {@link EmbeddedKafkaCluster}. */
  public static final class Builder {
    private int brokers = 3;
    private int controllers = 3;
    private int defaultPartitions = 1;
    private final Map<String, String> extraProperties = new LinkedHashMap<>();

    private Builder() {}

    /** Brokers in the cluster; default 3. */
    public Builder brokers(int brokers) {
      if (brokers < 1) {
        throw new IllegalArgumentException("A cluster needs at least one broker, got " + brokers);
      }
      this.brokers = brokers;
      return this;
    }

    /**
     * Controller quorum: 3 (brokers 1..3 are also controllers) or 1 (a controller-only node);
     * default 3.
     */
    public Builder controllers(int controllers) {
      if (controllers != 1 && controllers != 3) {
        throw new IllegalArgumentException(
            "The controller quorum must have 1 or 3 voters, got " + controllers);
      }
      this.controllers = controllers;
      return this;
    }

    /** Partitions of topics created without an explicit count; default 1. */
    public Builder defaultPartitions(int partitions) {
      if (partitions < 1) {
        throw new IllegalArgumentException(
            "Default partitions must be at least 1, got " + partitions);
      }
      this.defaultPartitions = partitions;
      return this;
    }

    /**
     * A property for every node, over the cluster's defaults (not the wiring: ids, listeners,
     * quorum, dirs).
     */
    public Builder brokerProperty(String key, String value) {
      Objects.requireNonNull(key, "key");
      Objects.requireNonNull(value, "value");
      if (BrokerConfig.MANAGED_KEYS.contains(key)) {
        throw new IllegalArgumentException(
            "Broker property '" + key + "' is managed by EmbeddedKafkaCluster");
      }
      extraProperties.put(key, value);
      return this;
    }

    /** Starts every node and returns once all brokers are registered and serve. */
    public EmbeddedKafkaCluster start() {
      if (controllers == 3 && brokers < 3) {
        throw new IllegalArgumentException(
            "A quorum of 3 controllers runs on brokers 1..3, so it needs at least "
                + "3 brokers, got "
                + brokers
                + "; use controllers(1)");
      }
      Path home;
      try {
        home = Files.createTempDirectory("pagedstream-cluster-");
      } catch (IOException e) {
        throw new EmbeddedKafkaException(
            "Cannot create a temporary directory for the cluster: " + e, e);
      }
      EmbeddedKafkaCluster cluster = new EmbeddedKafkaCluster(this, home);
      try {
        cluster.startAll();
      } catch (RuntimeException e) {
        cluster.close();
        throw e;
      }
      return cluster;
    }
  }

  private static List<ClusterNode> layout(int brokers, int controllers, Path home) {
    List<ClusterNode> nodes = new ArrayList<>();
    List<ServerSocket> held = new ArrayList<>();
    try {
      if (controllers == 1) {
        nodes.add(new ClusterNode(0, false, true, new ListenerPorts(0, freePort(held)), home));
      }
      for (int id = 1; id <= brokers; id++) {
        boolean controller = controllers == 3 && id <= 3;
        nodes.add(
            new ClusterNode(
                id,
                true,
                controller,
                new ListenerPorts(freePort(held), controller ? freePort(held) : 0),
                home));
      }
    } finally {
      // held open until every port is chosen, so that no two nodes get the same one
      for (ServerSocket s : held) {
        try {
          s.close();
        } catch (IOException e) {
          // the port is chosen; closing is best effort
        }
      }
    }
    return List.copyOf(nodes);
  }

  /** A port the operating system picks (port 0), released again for the node to bind. */
  private static int freePort(List<ServerSocket> held) {
    try {
      ServerSocket s = new ServerSocket(0, 50, InetAddress.getByName(PreboundSockets.HOST));
      s.setReuseAddress(true);
      held.add(s);
      return s.getLocalPort();
    } catch (IOException e) {
      throw new EmbeddedKafkaException("Cannot find a free port: " + e.getMessage(), e);
    }
  }

  private void startAll() {
    long begin = System.nanoTime();
    for (ClusterNode n : nodes) {
      n.launch(propertiesOf(n), clusterId);
    }
    for (ClusterNode n : nodes) {
      n.awaitReady(START_TIMEOUT);
    }
    awaitBrokersRegistered(brokers, START_TIMEOUT);
    LOG.info(
        "Kafka cluster of {} brokers ({} controllers) started at {} in {} ms",
        brokers,
        nodes.stream().filter(ClusterNode::isController).count(),
        bootstrapServers(),
        (System.nanoTime() - begin) / 1_000_000);
  }

  private Map<String, Object> propertiesOf(ClusterNode n) {
    return ClusterConfig.build(n, nodes, brokers, defaultPartitions, extraProperties);
  }

  /** Every broker's address, comma separated. */
  public String bootstrapServers() {
    return nodes.stream()
        .filter(ClusterNode::isBroker)
        .map(ClusterNode::brokerAddress)
        .collect(Collectors.joining(","));
  }

  public Map<String, Object> clientProperties() {
    return Map.of("bootstrap.servers", bootstrapServers());
  }

  /** The node ids of the brokers (1..N). */
  public List<Integer> brokerIds() {
    return nodes.stream().filter(ClusterNode::isBroker).map(ClusterNode::id).toList();
  }

  public int replicationFactor() {
    return ClusterConfig.replicationFactor(brokers);
  }

  public int minInsyncReplicas() {
    return ClusterConfig.minInsyncReplicas(brokers);
  }

  /** The replication factor of every topic on a cluster of {@code brokers}: min(3, brokers). */
  public static int replicationFactorFor(int brokers) {
    return ClusterConfig.replicationFactor(brokers);
  }

  /**
   * The {@code min.insync.replicas} of every topic on a cluster of {@code brokers}: one less than
   * the factor, at least 1.
   */
  public static int minInsyncReplicasFor(int brokers) {
    return ClusterConfig.minInsyncReplicas(brokers);
  }

  /**
   * SIGKILLs node {@code id}: no controlled shutdown, so the controller only learns of it when its
   * session expires.
   */
  public void kill(int id) {
    requireOpen();
    node(id).kill();
    LOG.info("Kafka node {} killed", id);
  }

  /**
   * Starts node {@code id} again on its data and ports; returns at once (see {@link
   * #awaitRunning}).
   */
  public void launch(int id) {
    requireOpen();
    ClusterNode n = node(id);
    n.launch(propertiesOf(n), clusterId);
  }

  /** Waits until node {@code id} serves again. */
  public void awaitRunning(int id, Duration timeout) {
    node(id).awaitReady(timeout);
  }

  public boolean isRunning(int id) {
    return node(id).isRunning();
  }

  /** The node's own log (its JVM's output), for when something went wrong. */
  public Path logFile(int id) {
    return node(id).logFile();
  }

  /** Creates the topics (those that exist are left as they are) and waits until they exist. */
  public void createTopics(Collection<NewTopic> topics) {
    try (Admin admin = Admin.create(clientProperties())) {
      for (Map.Entry<String, KafkaFuture<Void>> created :
          admin.createTopics(topics).values().entrySet()) {
        try {
          created.getValue().get();
        } catch (ExecutionException e) {
          if (!(e.getCause() instanceof TopicExistsException)) {
            throw new EmbeddedKafkaException(
                "Cannot create topic " + created.getKey() + ": " + e.getCause().getMessage(),
                e.getCause());
          }
        }
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new EmbeddedKafkaException("Interrupted while creating topics", e);
    }
  }

  private void awaitBrokersRegistered(int expected, Duration timeout) {
    long deadline = System.nanoTime() + timeout.toNanos();
    try (Admin admin = Admin.create(clientProperties())) {
      while (true) {
        try {
          if (admin.describeCluster().nodes().get(10, TimeUnit.SECONDS).size() >= expected) {
            return;
          }
        } catch (ExecutionException | java.util.concurrent.TimeoutException e) {
          // not all up yet
        }
        if (System.nanoTime() > deadline) {
          throw new EmbeddedKafkaException(
              "Not all "
                  + expected
                  + " brokers registered within "
                  + timeout.toSeconds()
                  + " s (logs in "
                  + home
                  + ")");
        }
        Thread.sleep(200);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new EmbeddedKafkaException("Interrupted while waiting for the brokers", e);
    }
  }

  private ClusterNode node(int id) {
    return nodes.stream()
        .filter(n -> n.id() == id)
        .findFirst()
        .orElseThrow(() -> new IllegalArgumentException("No Kafka node " + id + " in " + this));
  }

  private synchronized void requireOpen() {
    if (closed) {
      throw new IllegalStateException("The Kafka cluster is closed");
    }
  }

  /**
   * Kills every node (the data is thrown away, so there is nothing to shut down cleanly for) and
   * deletes the data.
   */
  @Override
  public synchronized void close() {
    if (closed) {
      return;
    }
    closed = true;
    for (ClusterNode n : nodes) {
      try {
        n.kill();
      } catch (RuntimeException e) {
        LOG.warn("Could not kill Kafka node {}: {}", n.id(), e.getMessage());
      }
    }
    deleteQuietly(home);
  }

  private static void deleteQuietly(Path dir) {
    try (var walk = Files.walk(dir)) {
      walk.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException e) {
      LOG.warn("Could not delete the cluster's data in {}: {}", dir, e.getMessage());
    }
  }

  @Override
  public String toString() {
    return "EmbeddedKafkaCluster["
        + brokers
        + " brokers at "
        + bootstrapServers()
        + (closed ? ", closed" : "")
        + "]";
  }
}
