package io.pagedstream.app.run;

import io.pagedstream.schemas.KafkaSettings;
import java.util.concurrent.ExecutionException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.GroupListing;
import org.apache.kafka.clients.admin.ListGroupsOptions;
import org.apache.kafka.clients.admin.RemoveMembersFromConsumerGroupOptions;
import org.apache.kafka.common.GroupState;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Removes the consumer-group members a crashed process left on a data directory's broker. The
 * directory's lock says no other process uses this broker, so every member present before this
 * process starts its services is dead; without this, a restarted batcher waits for their sessions
 * to time out (45 s by default) before it gets its partitions.
 */
final class DeadMembers {

  private static final Logger LOG = LoggerFactory.getLogger(DeadMembers.class);

  private DeadMembers() {}

  static void remove(KafkaSettings kafka) {
    try (Admin admin = Admin.create(kafka.asMap())) {
      for (GroupListing g : admin.listGroups(ListGroupsOptions.forConsumerGroups()).all().get()) {
        if (g.groupState().filter(s -> s == GroupState.EMPTY || s == GroupState.DEAD).isPresent()) {
          continue;
        }
        try {
          admin.removeMembersFromConsumerGroup(g.groupId(), new RemoveMembersFromConsumerGroupOptions()).all().get();
          LOG.info("removed the members a stopped process left in group {}", g.groupId());
        } catch (ExecutionException e) {
          // harmless: the members then leave when their sessions time out
          LOG.info("cannot remove the old members of group {}: {}", g.groupId(), e.getCause().getMessage());
        }
      }
    } catch (ExecutionException e) {
      LOG.info("cannot list the consumer groups: {}", e.getCause().getMessage());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while removing dead group members", e);
    }
  }
}
