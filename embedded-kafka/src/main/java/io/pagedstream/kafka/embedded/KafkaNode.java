package io.pagedstream.kafka.embedded;

import java.util.Map;
import java.util.concurrent.CompletableFuture;
import kafka.server.BrokerServer;
import kafka.server.ControllerServer;
import kafka.server.KafkaConfig;
import kafka.server.KafkaRaftServer;
import kafka.server.Server;
import kafka.server.SharedServer;
import org.apache.kafka.common.metrics.Metrics;
import org.apache.kafka.common.utils.Time;
import org.apache.kafka.common.utils.Utils;
import org.apache.kafka.metadata.bootstrap.BootstrapMetadata;
import org.apache.kafka.metadata.properties.MetaPropertiesEnsemble;
import org.apache.kafka.raft.QuorumConfig;
import org.apache.kafka.server.ServerSocketFactory;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import scala.Tuple2;

/**
 * One run of a KRaft node, from startup to shutdown; a restart is a new instance on the same
 * storage. The node is a broker, a controller or both, as its {@code process.roles} say (the
 * single-node {@link EmbeddedKafka} is both; the nodes of an {@link EmbeddedKafkaCluster} may be
 * either).
 *
 * <p>The wiring is that of {@code kafka.server.KafkaRaftServer} (what {@code kafka-server-start.sh}
 * runs) with two substitutions it does not allow: {@link NonTerminatingFaultHandlers} instead of
 * handlers that halt the JVM, and {@link PreboundSockets} instead of Kafka binding the ports
 * itself. Its log4j MBean and Mx4j hooks are left out.
 */
final class KafkaNode {

  private static final Logger LOG = LoggerFactory.getLogger(KafkaNode.class);

  private final Metrics metrics;

  /** Null on a broker-only node. */
  private final ControllerServer controller;

  /** Null on a controller-only node. */
  private final BrokerServer broker;

  private KafkaNode(Metrics metrics, ControllerServer controller, BrokerServer broker) {
    this.metrics = metrics;
    this.controller = controller;
    this.broker = broker;
  }

  /**
   * Starts the node and returns once it serves clients; on failure everything started is stopped
   * again.
   */
  static KafkaNode start(Map<String, Object> properties, ServerSocketFactory sockets) {
    KafkaConfig config = new KafkaConfig(properties, false);
    Tuple2<MetaPropertiesEnsemble, BootstrapMetadata> storage =
        KafkaRaftServer.initializeLogDirs(config, LOG, "[EmbeddedKafka] ");
    Metrics metrics = Server.initializeMetrics(config, Time.SYSTEM, storage._1().clusterId().get());
    SharedServer shared =
        new SharedServer(
            config,
            storage._1(),
            Time.SYSTEM,
            metrics,
            CompletableFuture.completedFuture(
                QuorumConfig.parseVoterConnections(config.quorumConfig().voters())),
            QuorumConfig.parseBootstrapServers(config.quorumConfig().bootstrapServers()),
            new NonTerminatingFaultHandlers(),
            sockets);
    String roles = String.valueOf(properties.get("process.roles"));
    KafkaNode node =
        new KafkaNode(
            metrics,
            roles.contains("controller")
                ? new ControllerServer(shared, KafkaRaftServer.configSchema(), storage._2())
                : null,
            roles.contains("broker") ? new BrokerServer(shared) : null);
    try {
      if (node.controller != null) {
        node.controller.startup();
      }
      if (node.broker != null) {
        node.broker.startup();
      }
    } catch (RuntimeException | Error e) {
      node.stopQuietly();
      throw e;
    }
    return node;
  }

  /**
   * Orderly shutdown, in KafkaRaftServer's order: logs flushed and checkpointed, sockets and
   * threads released.
   */
  void stop() {
    if (broker != null) {
      broker.shutdown();
    }
    if (controller != null) {
      controller.shutdown();
    }
    if (broker != null) {
      broker.awaitShutdown();
    }
    if (controller != null) {
      controller.awaitShutdown();
    }
    // Normally closed by the shared server already; a start that failed early may have left it
    // open.
    Utils.closeQuietly(metrics, "metrics");
  }

  private void stopQuietly() {
    try {
      stop();
    } catch (RuntimeException e) {
      LOG.debug("Ignoring error while cleaning up a failed start", e);
    }
  }
}
