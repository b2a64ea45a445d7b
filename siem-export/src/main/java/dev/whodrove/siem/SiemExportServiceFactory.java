package dev.whodrove.siem;

import dev.whodrove.runtime.ManagedService;
import dev.whodrove.runtime.ServiceContext;
import dev.whodrove.runtime.ServiceFactory;

/** Makes siem-export findable by {@code whodrove run siem-export} and the container entry point. */
public final class SiemExportServiceFactory implements ServiceFactory {
  @Override
  public String name() {
    return SiemExportService.NAME;
  }

  @Override
  public String keyPrefix() {
    return SiemConfig.PREFIX;
  }

  @Override
  public int defaultHttpPort() {
    return SiemExportService.HTTP_PORT;
  }

  @Override
  public ManagedService create(ServiceContext ctx) {
    return new SiemExportService(ctx);
  }
}
