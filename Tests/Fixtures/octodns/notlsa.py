from octodns.provider.yaml import YamlProvider
class NoTLSAProvider(YamlProvider):
    """A provider like octodns-route53 was: no TLSA."""
    @property
    def SUPPORTS(self):
        return set(super().SUPPORTS) - {"TLSA"}
    def supports(self, record):
        return record._type in self.SUPPORTS
