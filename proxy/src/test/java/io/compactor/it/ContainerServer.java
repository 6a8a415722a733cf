package io.compactor.it;

import java.util.List;
import org.testcontainers.DockerClientFactory;
import org.testcontainers.containers.GenericContainer;
import org.testcontainers.utility.DockerImageName;

/** A Redis or Valkey in a container, for machines that have Docker but not the server binaries. */
final class ContainerServer implements AutoCloseable {
  private final GenericContainer<?> container;

  private ContainerServer(GenericContainer<?> container) {
    this.container = container;
  }

  static boolean dockerAvailable() {
    try {
      return DockerClientFactory.instance().isDockerAvailable();
    } catch (RuntimeException | LinkageError e) {
      return false;
    }
  }

  static ContainerServer start(String image, List<String> args) {
    String[] command = new String[args.size() + 3];
    command[0] = image.startsWith("valkey") ? "valkey-server" : "redis-server";
    command[1] = "--save";
    command[2] = "";
    for (int i = 0; i < args.size(); i++) {
      command[i + 3] = args.get(i);
    }
    GenericContainer<?> c = new GenericContainer<>(DockerImageName.parse(image))
        .withExposedPorts(6379)
        .withCommand(command);
    c.start();
    return new ContainerServer(c);
  }

  int port() {
    return container.getMappedPort(6379);
  }

  @Override
  public void close() {
    container.stop();
  }
}
