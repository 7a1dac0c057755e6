package io.pagedstream.kafka.embedded;

/** SASL mechanisms the embedded broker can require from clients. */
public enum SaslMechanism {
  /**
   * Salted challenge-response; credentials are stored in the cluster metadata, passwords never
   * cross the wire.
   */
  SCRAM_SHA_256("SCRAM-SHA-256", "org.apache.kafka.common.security.scram.ScramLoginModule"),
  /**
   * Clear-text user name and password checked against a list held in the broker's configuration.
   */
  PLAIN("PLAIN", "org.apache.kafka.common.security.plain.PlainLoginModule");

  private final String mechanismName;
  private final String loginModule;

  SaslMechanism(String mechanismName, String loginModule) {
    this.mechanismName = mechanismName;
    this.loginModule = loginModule;
  }

  /** The name Kafka uses in {@code sasl.mechanism} and {@code sasl.enabled.mechanisms}. */
  public String mechanismName() {
    return mechanismName;
  }

  String loginModule() {
    return loginModule;
  }
}
