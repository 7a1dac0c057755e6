package io.pagedstream.kafka.embedded;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * The broker properties of one run: a combined broker+controller node tuned for a single machine.
 */
final class BrokerConfig {

  static final int NODE_ID = 1;
  static final String BROKER_LISTENER = "BROKER";
  static final String CONTROLLER_LISTENER = "CONTROLLER";

  /**
   * Keys that wire the node together; changing them through extra properties would break start or
   * restart.
   */
  static final Set<String> MANAGED_KEYS =
      Set.of(
          "process.roles",
          "node.id",
          "broker.id",
          "listeners",
          "advertised.listeners",
          "listener.security.protocol.map",
          "inter.broker.listener.name",
          "security.inter.broker.protocol",
          "controller.listener.names",
          "controller.quorum.voters",
          "controller.quorum.bootstrap.servers",
          "log.dirs",
          "log.dir",
          "metadata.log.dir");

  private static final String CLEANER_BUFFER_BYTES = Integer.toString(16 * 1024 * 1024);

  private BrokerConfig() {}

  static Map<String, Object> build(BrokerSettings settings, Path dataDir, ListenerPorts ports) {
    String host = PreboundSockets.HOST;
    String protocol =
        settings.security().isPresent()
            ? SaslProperties.PROTOCOL
            : settings.tls().isPresent() ? TlsProperties.PROTOCOL : "PLAINTEXT";
    Map<String, Object> p = new LinkedHashMap<>();

    p.put("process.roles", "broker,controller");
    p.put("node.id", Integer.toString(NODE_ID));
    // A static single-voter quorum (kraft.version 0) stores no controller address in the metadata
    // log,
    // so the controller port may differ from run to run.
    p.put("controller.quorum.voters", NODE_ID + "@" + host + ":" + ports.controller());
    p.put("controller.listener.names", CONTROLLER_LISTENER);
    p.put("inter.broker.listener.name", BROKER_LISTENER);
    p.put(
        "listeners",
        BROKER_LISTENER
            + "://"
            + host
            + ":"
            + ports.broker()
            + ","
            + CONTROLLER_LISTENER
            + "://"
            + host
            + ":"
            + ports.controller());
    p.put("advertised.listeners", BROKER_LISTENER + "://" + host + ":" + ports.broker());
    p.put(
        "listener.security.protocol.map",
        BROKER_LISTENER + ":" + protocol + "," + CONTROLLER_LISTENER + ":" + protocol);
    p.put("log.dirs", dataDir.toString());
    p.put("metadata.log.dir", dataDir.toString());

    // One broker cannot hold more than one replica; the defaults (3) would leave internal topics
    // uncreatable and transactions, consumer groups and share groups unavailable.
    p.put("default.replication.factor", "1");
    p.put("min.insync.replicas", "1");
    p.put("offsets.topic.replication.factor", "1");
    p.put("transaction.state.log.replication.factor", "1");
    p.put("transaction.state.log.min.isr", "1");
    p.put("share.coordinator.state.topic.replication.factor", "1");
    p.put("share.coordinator.state.topic.min.isr", "1");
    // 50 partitions per internal topic (the default) buys nothing on one node and slows the first
    // group or transaction down while they are created and loaded.
    p.put("offsets.topic.num.partitions", "8");
    p.put("transaction.state.log.num.partitions", "8");
    p.put("share.coordinator.state.topic.num.partitions", "8");
    p.put("num.partitions", Integer.toString(settings.defaultPartitions()));
    // No other members will join, so do not hold the first rebalance (Kafka Streams, consumers) for
    // 3 s.
    p.put("group.initial.rebalance.delay.ms", "0");
    // The log cleaner allocates this buffer up front; 128 MiB per broker adds up with brokers in
    // parallel tests.
    p.put("log.cleaner.dedupe.buffer.size", CLEANER_BUFFER_BYTES);
    // Fail a start that cannot complete (e.g. corrupt metadata) instead of waiting forever.
    p.put("server.max.startup.time.ms", "60000");

    settings
        .security()
        .ifPresent(
            security ->
                p.putAll(SaslProperties.broker(security, BROKER_LISTENER, CONTROLLER_LISTENER)));
    settings.tls().ifPresent(tls -> p.putAll(TlsProperties.broker(tls)));
    p.putAll(settings.extraProperties());
    return p;
  }
}
