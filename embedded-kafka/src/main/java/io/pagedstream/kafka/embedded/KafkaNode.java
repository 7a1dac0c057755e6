package io.pagedstream.kafka.embedded;

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
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import scala.Tuple2;

import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * One run of a combined broker + controller node, from startup to shutdown; a restart is a new instance
 * on the same storage.
 *
 * <p>The wiring is that of {@code kafka.server.KafkaRaftServer} (what {@code kafka-server-start.sh}
 * runs) with two substitutions it does not allow: {@link NonTerminatingFaultHandlers} instead of handlers
 * that halt the JVM, and {@link PreboundSockets} instead of Kafka binding the ports itself. Its
 * log4j MBean and Mx4j hooks are left out.
 */
final class KafkaNode {

    private static final Logger LOG = LoggerFactory.getLogger(KafkaNode.class);

    private final Metrics metrics;
    private final ControllerServer controller;
    private final BrokerServer broker;

    private KafkaNode(Metrics metrics, ControllerServer controller, BrokerServer broker) {
        this.metrics = metrics;
        this.controller = controller;
        this.broker = broker;
    }

    /** Starts the node and returns once it serves clients; on failure everything started is stopped again. */
    static KafkaNode start(Map<String, Object> properties, PreboundSockets sockets) {
        KafkaConfig config = new KafkaConfig(properties, false);
        Tuple2<MetaPropertiesEnsemble, BootstrapMetadata> storage =
                KafkaRaftServer.initializeLogDirs(config, LOG, "[EmbeddedKafka] ");
        Metrics metrics = Server.initializeMetrics(config, Time.SYSTEM, storage._1().clusterId().get());
        SharedServer shared = new SharedServer(
                config,
                storage._1(),
                Time.SYSTEM,
                metrics,
                CompletableFuture.completedFuture(QuorumConfig.parseVoterConnections(config.quorumConfig().voters())),
                QuorumConfig.parseBootstrapServers(config.quorumConfig().bootstrapServers()),
                new NonTerminatingFaultHandlers(),
                sockets);
        KafkaNode node = new KafkaNode(metrics,
                new ControllerServer(shared, KafkaRaftServer.configSchema(), storage._2()),
                new BrokerServer(shared));
        try {
            node.controller.startup();
            node.broker.startup();
        } catch (RuntimeException | Error e) {
            node.stopQuietly();
            throw e;
        }
        return node;
    }

    /** Orderly shutdown, in KafkaRaftServer's order: logs flushed and checkpointed, sockets and threads released. */
    void stop() {
        broker.shutdown();
        controller.shutdown();
        broker.awaitShutdown();
        controller.awaitShutdown();
        // Normally closed by the shared server already; a start that failed early may have left it open.
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
