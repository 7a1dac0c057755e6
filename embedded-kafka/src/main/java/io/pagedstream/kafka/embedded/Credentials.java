package io.pagedstream.kafka.embedded;

import java.util.Objects;
import java.util.regex.Pattern;

/**
 * A SASL user name and password.
 *
 * <p>The characters are restricted because the values end up inside JAAS configuration strings and
 * Kafka's {@code --add-scram} argument syntax, neither of which has a usable escape for quotes,
 * backslashes or (for SCRAM) commas.
 */
public record Credentials(String username, String password) {

  private static final Pattern USERNAME = Pattern.compile("[A-Za-z0-9._@-]+");

  public Credentials {
    Objects.requireNonNull(username, "username");
    Objects.requireNonNull(password, "password");
    if (!USERNAME.matcher(username).matches()) {
      throw new IllegalArgumentException(
          "SASL user name '"
              + username
              + "' is invalid: use only letters, digits, '.', '_', '@' and '-'");
    }
    if (password.isEmpty()
        || password.chars().anyMatch(c -> c == '"' || c == '\\' || c == ',' || c < 0x20)) {
      throw new IllegalArgumentException(
          "Password of SASL user '"
              + username
              + "' is invalid: it must be non-empty and contain no '\"', '\\', ',' or control characters");
    }
  }

  public static Credentials of(String username, String password) {
    return new Credentials(username, password);
  }

  /** Kafka's principal string for this user, as used in ACLs and {@code super.users}. */
  public String principal() {
    return "User:" + username;
  }

  @Override
  public String toString() {
    return "Credentials[username=" + username + ", password=***]";
  }
}
