package io.pagedstream.kafka.embedded;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Translates {@link SaslSecurity} into broker and client configuration.
 *
 * <p>All JAAS settings go into per-listener or per-client {@code sasl.jaas.config} properties
 * rather than a JAAS file named by a system property, so brokers with different users can share one
 * JVM.
 */
final class SaslProperties {

  static final String PROTOCOL = "SASL_PLAINTEXT";

  private SaslProperties() {}

  /**
   * The broker listener uses the chosen mechanism, also for the broker's connections to itself
   * (e.g. transaction markers). The controller listener only ever sees this node, so it uses PLAIN
   * with the super user alone: SCRAM would need credentials the controller can only read after it
   * has started.
   */
  static Map<String, String> broker(
      SaslSecurity security, String brokerListener, String controllerListener) {
    SaslMechanism mechanism = security.mechanism();
    Credentials admin = security.superUser();
    Map<String, String> p = new LinkedHashMap<>();
    p.put("sasl.enabled.mechanisms", mechanism.mechanismName());
    p.put("sasl.mechanism.inter.broker.protocol", mechanism.mechanismName());
    p.put(listenerKey(brokerListener, mechanism, "sasl.jaas.config"), brokerJaas(security));
    p.put(
        "listener.name." + controllerListener.toLowerCase() + ".sasl.enabled.mechanisms",
        SaslMechanism.PLAIN.mechanismName());
    p.put("sasl.mechanism.controller.protocol", SaslMechanism.PLAIN.mechanismName());
    p.put(
        listenerKey(controllerListener, SaslMechanism.PLAIN, "sasl.jaas.config"),
        plainServerJaas(admin, List.of(admin)));
    p.put("authorizer.class.name", "org.apache.kafka.metadata.authorizer.StandardAuthorizer");
    p.put("allow.everyone.if.no.acl.found", "false");
    p.put("super.users", admin.principal());
    return p;
  }

  /** What a client needs to authenticate as {@code user}. */
  static Map<String, Object> client(SaslMechanism mechanism, Credentials user) {
    return Map.of(
        "security.protocol", PROTOCOL,
        "sasl.mechanism", mechanism.mechanismName(),
        "sasl.jaas.config", clientJaas(mechanism.loginModule(), user));
  }

  /**
   * Arguments for Kafka's {@code Formatter}, like {@code kafka-storage.sh format --add-scram}, or
   * empty for PLAIN.
   */
  static List<String> scramBootstrapArguments(Optional<SaslSecurity> security) {
    return security
        .filter(s -> s.mechanism() == SaslMechanism.SCRAM_SHA_256)
        .map(
            s ->
                s.allUsers().stream()
                    .map(
                        u ->
                            "SCRAM-SHA-256=[name="
                                + u.username()
                                + ",password=\""
                                + u.password()
                                + "\"]")
                    .toList())
        .orElse(List.of());
  }

  private static String brokerJaas(SaslSecurity security) {
    return switch (security.mechanism()) {
      case SCRAM_SHA_256 ->
          clientJaas(SaslMechanism.SCRAM_SHA_256.loginModule(), security.superUser());
      case PLAIN -> plainServerJaas(security.superUser(), security.allUsers());
    };
  }

  /** PLAIN's login module holds both the node's own identity and the table of accepted users. */
  private static String plainServerJaas(Credentials self, List<Credentials> accepted) {
    StringBuilder jaas =
        new StringBuilder(SaslMechanism.PLAIN.loginModule())
            .append(" required")
            .append(" username=\"")
            .append(self.username())
            .append('"')
            .append(" password=\"")
            .append(self.password())
            .append('"');
    for (Credentials user : accepted) {
      jaas.append(" user_")
          .append(user.username())
          .append("=\"")
          .append(user.password())
          .append('"');
    }
    return jaas.append(';').toString();
  }

  private static String clientJaas(String loginModule, Credentials user) {
    return loginModule
        + " required username=\""
        + user.username()
        + "\" password=\""
        + user.password()
        + "\";";
  }

  private static String listenerKey(String listener, SaslMechanism mechanism, String key) {
    return "listener.name."
        + listener.toLowerCase()
        + "."
        + mechanism.mechanismName().toLowerCase()
        + "."
        + key;
  }
}
