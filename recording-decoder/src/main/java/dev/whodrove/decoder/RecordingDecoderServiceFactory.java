package dev.whodrove.decoder;

import dev.whodrove.runtime.ManagedService;
import dev.whodrove.runtime.ServiceContext;
import dev.whodrove.runtime.ServiceFactory;

/** Makes the decoder findable by {@code whodrove run recording-decoder} and the container entry point. */
public final class RecordingDecoderServiceFactory implements ServiceFactory {
  public static final int HTTP_PORT = 9403;

  @Override
  public String name() {
    return RecordingDecoderService.NAME;
  }

  @Override
  public int defaultHttpPort() {
    return HTTP_PORT;
  }

  @Override
  public ManagedService create(ServiceContext ctx) {
    return new RecordingDecoderService(ctx);
  }
}
