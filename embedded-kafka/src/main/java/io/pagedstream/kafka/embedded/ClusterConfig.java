package io.pagedstream.kafka.embedded;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * The properties of one node of an {@link EmbeddedKafkaCluster}: a production-like replicated
 * cluster on one machine. Every topic (internal ones included) gets {@code min(3, brokers)}
 * replicas and {@code min.insync.replicas} one less (at least 1), and no out-of-sync replica may
 * become leader.
 */
final class ClusterConfig {

  private static final String CLEANER_BUFFER_BYTES = Integer.toString(16 * 1024 * 1024);

  private ClusterConfig() {}

  static int replicationFactor(int brokers) {
    return Math.min(3, brokers);
  }

  static int minInsyncReplicas(int brokers) {
    return Math.max(1, replicationFactor(brokers) - 1);
  }

  static Map<String, Object> build(
      ClusterNode node,
      List<ClusterNode> all,
      int brokers,
      int defaultPartitions,
      Map<String, String> extra) {
    String rf = Integer.toString(replicationFactor(brokers));
    String minIsr = Integer.toString(minInsyncReplicas(brokers));
    Map<String, Object> p = new LinkedHashMap<>();
    p.put(
        "process.roles",
        node.isBroker() && node.isController()
            ? "broker,controller"
            : node.isBroker() ? "broker" : "controller");
    p.put("node.id", Integer.toString(node.id()));
    // a static quorum: every node knows every voter's address, which stays fixed across restarts
    p.put(
        "controller.quorum.voters",
        all.stream()
            .filter(ClusterNode::isController)
            .map(n -> n.id() + "@" + n.controllerAddress())
            .collect(Collectors.joining(",")));
    p.put("controller.listener.names", BrokerConfig.CONTROLLER_LISTENER);
    p.put("inter.broker.listener.name", BrokerConfig.BROKER_LISTENER);
    StringBuilder listeners = new StringBuilder();
    if (node.isBroker()) {
      listeners.append(BrokerConfig.BROKER_LISTENER).append("://").append(node.brokerAddress());
      p.put("advertised.listeners", BrokerConfig.BROKER_LISTENER + "://" + node.brokerAddress());
    }
    if (node.isController()) {
      listeners
          .append(listeners.isEmpty() ? "" : ",")
          .append(BrokerConfig.CONTROLLER_LISTENER)
          .append("://")
          .append(node.controllerAddress());
    }
    p.put("listeners", listeners.toString());
    p.put(
        "listener.security.protocol.map",
        BrokerConfig.BROKER_LISTENER
            + ":PLAINTEXT,"
            + BrokerConfig.CONTROLLER_LISTENER
            + ":PLAINTEXT");
    p.put("log.dirs", node.dataDir().toString());
    p.put("metadata.log.dir", node.dataDir().toString());

    p.put("default.replication.factor", rf);
    p.put("min.insync.replicas", minIsr);
    p.put("offsets.topic.replication.factor", rf);
    p.put("transaction.state.log.replication.factor", rf);
    p.put("transaction.state.log.min.isr", minIsr);
    p.put("share.coordinator.state.topic.replication.factor", rf);
    p.put("share.coordinator.state.topic.min.isr", minIsr);
    // an out-of-sync replica made leader would silently drop acknowledged writes
    p.put("unclean.leader.election.enable", "false");
    p.put("offsets.topic.num.partitions", "8");
    p.put("transaction.state.log.num.partitions", "8");
    p.put("share.coordinator.state.topic.num.partitions", "8");
    p.put("num.partitions", Integer.toString(defaultPartitions));
    p.put("group.initial.rebalance.delay.ms", "0");
    p.put("log.cleaner.dedupe.buffer.size", CLEANER_BUFFER_BYTES);
    // a killed node recovers its logs on the next start, which on a busy machine takes a while
    p.put("server.max.startup.time.ms", "120000");
    p.putAll(extra);
    return p;
  }
}
