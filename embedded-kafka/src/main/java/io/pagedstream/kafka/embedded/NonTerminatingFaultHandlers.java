package io.pagedstream.kafka.embedded;

import kafka.server.FaultHandlerFactory;
import org.apache.kafka.server.fault.FaultHandler;
import org.apache.kafka.server.fault.FaultHandlerException;
import org.apache.kafka.server.fault.LoggingFaultHandler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Fault handling for a node that shares its JVM with the application.
 *
 * <p>Kafka's standard factory answers every fatal fault (including a controller that fails to
 * start) by halting the JVM, which would take PagedStream, or a whole test run, down with the
 * broker. Here a fatal fault is logged and turned into an exception for the Kafka code that
 * reported it: a failed start then surfaces as an exception from {@link EmbeddedKafka#start()}, and
 * a fault at run time leaves a broker that clients see as unavailable until it is restarted.
 * Non-fatal faults are handled as Kafka does by default (logged).
 */
final class NonTerminatingFaultHandlers implements FaultHandlerFactory {

  private static final Logger LOG = LoggerFactory.getLogger(NonTerminatingFaultHandlers.class);

  @Override
  public FaultHandler build(String name, boolean fatal, Runnable action) {
    return fatal ? new Fatal(name, action) : new LoggingFaultHandler(name, action);
  }

  private record Fatal(String name, Runnable action) implements FaultHandler {
    @Override
    public RuntimeException handleFault(String failureMessage, Throwable cause) {
      LOG.error(
          "Embedded Kafka: fatal fault in {} ({}); the broker needs a restart",
          name,
          failureMessage,
          cause);
      try {
        action.run();
      } catch (RuntimeException e) {
        LOG.error("Embedded Kafka: the action for the fatal fault in {} failed", name, e);
      }
      return new FaultHandlerException(name + ": " + failureMessage, cause);
    }
  }
}
