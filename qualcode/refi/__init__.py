"""REFI-QDA exchange (.qdpx projects, .qdc codebooks) with NVivo, ATLAS.ti, MAXQDA,
QualCoder and others. See docs/formats.md, section "REFI-QDA".

Modules, each with one job:
- `model`: the project as plain pydantic data,
- `archive`: safe reading of archives and XML,
- `positions`: position units of the producing tools -> our offsets,
- `read`: `read_qdpx(path)`, `read_qdc(path)`,
- `write`: `write_qdpx(project, path)`, `write_qdc(codebook, path)`,
- `codebook_map`: REFI codes <-> qualcode's codebook (YAML),
- `convert`: REFI project <-> qualcode's tidy tables (documents, codings, memos).
"""
