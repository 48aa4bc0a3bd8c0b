using AcmePlanner;
using AcmePlanner.Auth;
using AcmePlanner.Board;
using Microsoft.AspNetCore.DataProtection;

var builder = WebApplication.CreateBuilder(args);

builder.AddBoardSignIn();
builder.AddBackChannelLogout();
builder.AddBoardClient();
builder.Services.AddRazorPages();

// The session cookie (with the user's tokens) is encrypted with these keys. A sample keeps them in a folder so that
// sign-ins survive a restart; a real deployment shares them between instances (Redis, a database, a key vault).
var keysFolder = builder.Configuration["DataProtection:KeysFolder"] ?? Path.Combine(builder.Environment.ContentRootPath, ".keys");
builder.Services.AddDataProtection().SetApplicationName("acme-planner").PersistKeysToFileSystem(new DirectoryInfo(keysFolder));

var app = builder.Build();

if (!app.Environment.IsDevelopment())
{
    app.UseExceptionHandler("/Error");
    app.UseHsts();
}

app.UseSecurityHeaders();
app.UseStaticFiles();
app.UseRouting();
app.UseAuthentication();
app.UseAuthorization();

app.MapBoardSignIn();
app.MapBackChannelLogout();
app.MapRazorPages();

app.Run();
