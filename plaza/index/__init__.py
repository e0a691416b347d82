"""The evaluation index (政务指数): how well each government account reaches, serves, answers and
is trusted — open formulas, rankings, hot-event response rates, influence against a city's
development, reports, and imports of real data from Weibo and Mastodon."""
