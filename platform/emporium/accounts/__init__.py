from pyramid.config import Configurator


def includeme(config: Configurator) -> None:
    from emporium.accounts import views

    session = {"uses_session": True}
    config.add_route("register", "/account/register")
    config.add_route("login", "/account/login")
    config.add_route("logout", "/account/logout")
    config.add_view(
        views.register_form,
        route_name="register",
        request_method="GET",
        renderer="account_register.pt",
        **session,
    )
    config.add_view(
        views.register,
        route_name="register",
        request_method="POST",
        renderer="account_register.pt",
        throttle="login",
        **session,
    )
    config.add_view(
        views.login_form,
        route_name="login",
        request_method="GET",
        renderer="account_login.pt",
        **session,
    )
    config.add_view(
        views.login,
        route_name="login",
        request_method="POST",
        renderer="account_login.pt",
        throttle="login",
        **session,
    )
    config.add_view(views.logout, route_name="logout", request_method="POST", **session)
