"""COPY without I/O: the statement (`statement`) and the text, CSV and binary formats (`format`).

The server speaks the COPY sub-protocol with these (`pgwire.server.copy`); a client or a
proxy can use them the same way.
"""
