"""The web console under `/console`: server-rendered pages (Jinja2 + htmx) over the same services and rules as the
JSON API. It decides nothing the API would not: a page shows what the API says the caller may see and do, and a
form calls the API's own service functions. One package per area (`frame`: sign-in, home, the page frame;
`loans`: case list and loan page); each area keeps its templates beside its routes. README, "The console"."""
