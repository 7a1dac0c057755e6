package io.pagedstream.kafka.embedded;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * Security mode of the broker: every listener requires SASL over plain TCP ({@code SASL_PLAINTEXT})
 * and every request is checked against ACLs by Kafka's {@code StandardAuthorizer}, with nothing
 * allowed when no ACL matches.
 *
 * @param mechanism how clients authenticate
 * @param superUser bypasses ACLs; used by the broker itself, by {@link
 *     EmbeddedKafka#clientProperties()} and by the tools (topic creation, granting ACLs)
 * @param users further users that exist on the broker but can do nothing until ACLs are granted
 */
public record SaslSecurity(
    SaslMechanism mechanism, Credentials superUser, List<Credentials> users) {

  public SaslSecurity {
    Objects.requireNonNull(mechanism, "mechanism");
    Objects.requireNonNull(superUser, "superUser");
    users = List.copyOf(users);
    Set<String> names = new HashSet<>();
    names.add(superUser.username());
    for (Credentials user : users) {
      if (!names.add(user.username())) {
        throw new IllegalArgumentException("SASL user '" + user.username() + "' is defined twice");
      }
    }
  }

  public static SaslSecurity scramSha256(Credentials superUser, Credentials... users) {
    return new SaslSecurity(SaslMechanism.SCRAM_SHA_256, superUser, List.of(users));
  }

  /** The super user followed by the other users. */
  public List<Credentials> allUsers() {
    List<Credentials> all = new ArrayList<>(users.size() + 1);
    all.add(superUser);
    all.addAll(users);
    return all;
  }
}
