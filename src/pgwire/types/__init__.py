"""PostgreSQL types: one registry, one module per type family.

Importing this package registers every built-in type family.
"""

from pgwire.types.registry import BINARY, TEXT, TypeInfo, TypeRegistry, registry

__all__ = ["BINARY", "TEXT", "TypeInfo", "TypeRegistry", "registry"]
