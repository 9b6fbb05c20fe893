from flask import current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_limiter.util import get_remote_address
from flask_login import current_user, login_user, logout_user

from dealer.access import current_actor, public, roles_required
from dealer.actors import ADMIN, ALL_STAFF
from dealer.auth import bp, services, signals
from dealer.auth.forms import ApiTokenForm, ConfirmForm, LoginForm, PasswordForm, UserForm
from dealer.database import utcnow
from dealer.errors import DomainError
from dealer.forms import choices, put_error_on_form, safe_next
from dealer.signals import collect_panels
from dealer.stores.services import list_stores


@bp.route("/")
@roles_required(*ALL_STAFF)
def home():
    """Show the day's work: the panels each module contributes for the person's roles (auth.signals.home_panels)."""
    actor = current_actor()
    if actor.roles == {ADMIN}:
        return redirect(url_for("auth.users"))
    panels = collect_panels(signals.home_panels, actor, now=utcnow())
    return render_template("auth/home.html", panels=panels)


@bp.route("/login", methods=["GET", "POST"])
@public
def login():
    # Wrong passwords are counted (per account, per address and account, per address) by the service.
    if current_user.is_authenticated:
        return redirect(safe_next(request.args.get("next"), "auth.home"))
    form = LoginForm()
    if form.validate_on_submit():
        try:
            user = services.sign_in(form.username.data, form.password.data, address=get_remote_address(),
                                    now=utcnow())
        except services.TooManyAttempts as error:
            put_error_on_form(form, error)
            return render_template("auth/login.html", form=form), 429, {"Retry-After": str(error.retry_after)}
        except DomainError as error:
            put_error_on_form(form, error)
        else:
            login_user(user, remember=form.remember.data)
            if user.locale:
                session["locale"] = user.locale
            return redirect(safe_next(request.args.get("next"), "auth.home"))
    return render_template("auth/login.html", form=form)


@bp.route("/logout", methods=["POST"])
@public
def logout():
    if current_user.is_authenticated:
        services.sign_out(current_user.get_id(), now=utcnow())  # copies of this browser's cookies die too
    logout_user()
    flash(_("You have signed out."), "info")
    return redirect(url_for("auth.login"))


@bp.route("/language/<code>", methods=["POST"])
@public
def set_language(code):
    if code in current_app.config["LANGUAGES"]:
        session["locale"] = code
    return redirect(safe_next(request.form.get("next")))


@bp.route("/account/password", methods=["GET", "POST"])
@roles_required(*ALL_STAFF)
def change_password():
    form = PasswordForm()
    if form.validate_on_submit():
        try:
            revoked = services.change_password(current_user.id, current_password=form.current_password.data,
                                               new_password=form.password.data, keep_session=current_user.get_id(),
                                               address=get_remote_address(), actor=current_actor(), now=utcnow())
        except DomainError as error:
            put_error_on_form(form, error)
        else:
            flash(_("Your password has been changed."), "success")
            if revoked:
                flash(ngettext("Your API token was revoked with the old password: create a new one.",
                               "Your %(num)d API tokens were revoked with the old password: create new ones.",
                               revoked), "warning")
            return redirect(url_for("auth.home"))
    return render_template("auth/password.html", form=form)


@bp.route("/account/tokens", methods=["GET", "POST"])
@roles_required(*ALL_STAFF)
def api_tokens():
    form = ApiTokenForm()
    new_secret = None
    if form.validate_on_submit():
        _token, new_secret = services.create_api_token(actor=current_actor(), name=form.name.data, now=utcnow())
        form = ApiTokenForm(formdata=None)
    return render_template("auth/tokens.html", form=form, new_secret=new_secret, revoke_form=ConfirmForm(),
                           tokens=services.list_api_tokens(actor=current_actor()))


@bp.route("/account/tokens/<int:token_id>/revoke", methods=["POST"])
@roles_required(*ALL_STAFF)
def revoke_api_token(token_id):
    if ConfirmForm().validate_on_submit():
        services.revoke_api_token(token_id, actor=current_actor(), now=utcnow())
        flash(_("The token has been revoked."), "success")
    return redirect(url_for("auth.api_tokens"))


def _user_form(formdata=None, obj=None) -> UserForm:
    form = UserForm(formdata=formdata, obj=obj)
    actor = current_actor()
    stores = [s for s in list_stores() if actor.store_id is None or s.id == actor.store_id]
    form.store.choices = choices(([(0, _("Group level (all stores)"))] if actor.store_id is None else []) + [
        (s.id, f"{s.code} {s.name}") for s in stores])
    return form


@bp.route("/users")
@roles_required(ADMIN)
def users():
    return render_template("auth/users.html", users=services.list_users(actor=current_actor()))


@bp.route("/users/new", methods=["GET", "POST"])
@roles_required(ADMIN)
def new_user():
    form = _user_form(request.form if request.method == "POST" else None)
    if form.validate_on_submit():
        try:
            services.create_user(form.username.data, password=form.password.data or "", roles=form.roles.data,
                                 store_id=form.store.data or None, actor=current_actor(),
                                 full_name=form.full_name.data or "", mobile=form.mobile.data or "")
        except DomainError as error:
            put_error_on_form(form, error)
        else:
            flash(_("The account %(name)s has been created.", name=form.username.data), "success")
            return redirect(url_for("auth.users"))
    return render_template("auth/user_form.html", form=form, user=None)


@bp.route("/users/<int:user_id>", methods=["GET", "POST"])
@roles_required(ADMIN)
def edit_user(user_id):
    user = services.get_user(user_id, actor=current_actor())
    form = _user_form(request.form if request.method == "POST" else None, obj=user)
    if request.method == "GET":
        form.roles.data = sorted(user.role_names)
        form.store.data = user.store_id or 0
    if form.validate_on_submit():
        try:
            services.update_user(user.id, actor=current_actor(), roles=form.roles.data,
                                 store_id=form.store.data or None, full_name=form.full_name.data or "",
                                 mobile=form.mobile.data or "", active=form.active.data,
                                 password=form.password.data or None, now=utcnow())
        except DomainError as error:
            put_error_on_form(form, error)
        else:
            flash(_("The account has been saved."), "success")
            return redirect(url_for("auth.users"))
    return render_template("auth/user_form.html", form=form, user=user)
