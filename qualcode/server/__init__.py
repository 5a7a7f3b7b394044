"""`qualcode serve`: the browser coding workspace (an ASGI app over the library).

`app.py` builds the application and its routes, `api.py` holds the JSON endpoints,
`reads.py` the read models the pages need, `auth.py` coders, sessions and CSRF,
`offsets.py` the one conversion between browser (UTF-16) and store (code point)
offsets, `static/` the hand-written JavaScript and CSS. Every write goes through
`qualcode.coding`, as the CLI's do.
"""
