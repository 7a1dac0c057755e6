package io.pagedstream.kafka.embedded;

/**
 * The two TCP ports of one broker run: clients talk to {@code broker}, the node's own Raft quorum
 * to {@code controller}.
 */
record ListenerPorts(int broker, int controller) {}
