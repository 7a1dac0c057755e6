/**
 * A real single-node Apache Kafka broker in KRaft combined mode (broker and controller in one
 * node), started inside the current JVM from the Kafka jars.
 *
 * <p>PagedStream runs its whole pipeline on it when no {@code --bootstrap-servers} is given, and
 * the integration tests use it instead of mocks. Entry point: {@link
 * io.pagedstream.kafka.embedded.EmbeddedKafka#builder()}.
 *
 * <p>Storage is formatted with Kafka's own {@code Formatter} (what {@code kafka-storage.sh format}
 * runs) and the node is Kafka's production {@code SharedServer}, {@code ControllerServer} and
 * {@code BrokerServer}, wired as {@code kafka.server.KafkaRaftServer} (what {@code
 * kafka-server-start.sh} runs) wires them, except that fatal faults do not halt the JVM and the
 * listener ports are bound before Kafka starts. Several instances may run in one JVM: each has its
 * own cluster id, data directory and ports, and nothing here touches system properties or global
 * JAAS configuration. Security is SASL ({@code security()}) or mutual TLS ({@code tls()}), each
 * with ACLs.
 *
 * <p>{@link io.pagedstream.kafka.embedded.EmbeddedKafkaCluster} is the replicated variant: N
 * brokers and a controller quorum of 1 or 3, each node a JVM of its own ({@code ClusterNodeMain})
 * so that it can be killed with SIGKILL as a crashed broker dies, and started again on its data and
 * ports.
 *
 * <p>Logging: Kafka logs through slf4j; this library does not configure any backend. The broker is
 * chatty at INFO, so applications should set the {@code kafka}, {@code org.apache.kafka} and {@code
 * state.change.logger} loggers to WARN (with slf4j-simple: {@code
 * org.slf4j.simpleLogger.log.kafka=warn} and so on).
 */
package io.pagedstream.kafka.embedded;
